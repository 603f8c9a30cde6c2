/**
 * Unbound as the peer under test (and as a local upstream that answers every name), started
 * in the foreground on loopback with a config of our own, as ECOSYSTEM.md's recipe says.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What to run: a filtering forwarder (rpz + forward) or an upstream answering one address for all. */
export interface UnboundOptions {
  readonly port: number;
  readonly rpzFile?: string;
  readonly forwardTo?: string;
  readonly answerAll?: boolean;
  /** The A record `answerAll` answers with; default 192.0.2.1 (127.0.0.1 for a local origin). */
  readonly answerAddress?: string;
  readonly threads?: number;
}

/** A running Unbound. */
export interface UnboundPeer {
  readonly pid: number;
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

function config(o: UnboundOptions): string {
  const lines = [
    'server:',
    `  interface: 127.0.0.1@${o.port}`,
    '  do-daemonize: no',
    '  username: ""',
    '  chroot: ""',
    '  use-syslog: no',
    '  logfile: ""',
    '  verbosity: 0',
    '  access-control: 127.0.0.0/8 allow',
    `  num-threads: ${o.threads ?? 1}`,
    '  do-not-query-localhost: no',
    '  qname-minimisation: no',
    // Caches as large as Gatehouse's (64 MiB), so both answer the query mix from cache.
    '  msg-cache-size: 64m',
    '  rrset-cache-size: 128m',
    '  harden-dnssec-stripped: no',
    '  module-config: "respip iterator"',
  ];
  if (o.answerAll)
    lines.push(
      '  local-zone: "." redirect',
      `  local-data: ". 86400 IN A ${o.answerAddress ?? '192.0.2.1'}"`,
    );
  if (o.rpzFile) lines.push('rpz:', '  name: gatehouse.rpz', `  zonefile: "${o.rpzFile}"`);
  if (o.forwardTo)
    lines.push('forward-zone:', '  name: "."', `  forward-addr: ${o.forwardTo.replace(':', '@')}`);
  return `${lines.join('\n')}\n`;
}

/** Sends one A query for `name` and resolves true if any answer comes within `ms`. */
export function probe(port: number, name: string, ms = 200): Promise<boolean> {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const q = Buffer.concat([
    Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...labels,
    Buffer.from([0, 0, 1, 0, 1]),
  ]);
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      resolve(false);
    }, ms);
    s.on('message', () => {
      clearTimeout(timer);
      s.close();
      resolve(true);
    });
    s.send(q, port, '127.0.0.1');
  });
}

/** Starts Unbound and resolves once it answers `readyName` (time to load the zone included). */
export async function startUnbound(o: UnboundOptions, readyName = 'example.com'): Promise<UnboundPeer> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-unbound-'));
  const file = join(dir, 'unbound.conf');
  writeFileSync(file, config(o));
  const child = spawn('unbound', ['-d', '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const deadline = Date.now() + 120_000;
  while (!(await probe(o.port, readyName))) {
    if (child.exitCode !== null) throw new Error(`unbound exited: ${stderr.trim()}`);
    if (Date.now() > deadline) throw new Error('unbound did not answer within 120 s');
  }
  return {
    pid: child.pid ?? 0,
    port: o.port,
    process: child,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

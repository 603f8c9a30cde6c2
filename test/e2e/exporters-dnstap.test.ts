/**
 * dnstap as an operator's collector sees it: the real `fstrm_capture` (Frame Streams, over a
 * Unix socket and over TCP) writes what the exporter sends, and BIND's `dnstap-read -y` prints
 * the queries. Neither installed reader prints the top-level `extra` field, where the pseudonym
 * travels, so it is read back from the captured file with the frame and protobuf readers here.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createDnstapExporter } from '../../src/records/exporters/dnstap.js';
import { readFrames } from '../../src/records/exporters/fstrm.js';
import { readFields } from '../../src/records/exporters/protobuf.js';
import type { DnsQueryRecord } from '../../src/records/types.js';
import { type AuthDns, startAuthDns } from '../fixtures/auth-dns.js';
import { client, createHome, type GatehouseHome, type RunningGateway } from '../helpers/gateway.js';
import { accountingStart, startRadiusGateway } from '../helpers/radius.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freeTcpPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** fstrm_capture reading dnstap on a Unix socket (or TCP port) into a file. */
async function startCapture(mode: 'unix' | 'tcp') {
  const dir = mkdtempSync(join(tmpdir(), 'gh-fstrm-'));
  const file = join(dir, 'capture.fstrm');
  const socket = join(dir, 'dnstap.sock');
  const port = mode === 'tcp' ? await freeTcpPort() : 0;
  const where = mode === 'unix' ? ['-u', socket] : ['-a', '127.0.0.1', '-p', String(port)];
  const child: ChildProcess = spawn('fstrm_capture', ['-t', 'protobuf:dnstap.Dnstap', ...where, '-w', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  child.stderr?.on('data', (d) => log.push(String(d)));
  const end = Date.now() + 10_000;
  while (!log.join('').includes('opened output file') || (mode === 'unix' && !existsSync(socket))) {
    if (Date.now() > end) throw new Error(`fstrm_capture did not start: ${log.join('')}`);
    await sleep(20);
  }
  return {
    socket,
    port,
    log,
    /** Stops the capture (it closes the file), returns `dnstap-read -y` output and the `extra` fields. */
    async stop(): Promise<{ yaml: string; extras: string[] }> {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
      const { stdout } = await run('dnstap-read', ['-y', file]);
      const extras = readFrames(readFileSync(file))
        .frames.flatMap((f) => (f.kind === 'data' ? [f.payload] : []))
        .map(
          (p) =>
            readFields(p)
              .find((x) => x.field === 3)
              ?.value.toString() ?? '',
        );
      rmSync(dir, { recursive: true, force: true });
      return { yaml: stdout, extras };
    },
  };
}

const record = (qname: string, over: Partial<DnsQueryRecord> = {}): DnsQueryRecord => ({
  time: Date.now(),
  clientAddress: '10.9.8.7',
  clientPort: 40_000,
  transport: 'udp',
  isp: 'isp-a',
  subscriber: 'p20420-abcdefghijklmnopqrst',
  qname,
  qtype: 1,
  rcode: 0,
  verdict: 'allow',
  orderId: 0,
  ruleId: -1,
  cacheHit: false,
  upstream: null,
  latencyUs: 800,
  ede: null,
  ...over,
});

describe('dnstap exporter into fstrm_capture', () => {
  it.each([
    ['a Unix socket', 'unix', false],
    ['TCP, with the client address', 'tcp', true],
  ] as const)('over %s', async (_name, mode, includeAddress) => {
    const cap = await startCapture(mode);
    const ex = createDnstapExporter({
      target: mode === 'unix' ? { path: cap.socket } : { host: '127.0.0.1', port: cap.port },
      identity: 'node-e2e',
      version: 'gatehouse',
      includeAddress,
      minBackoffMs: 20,
      onState: (up) => {
        connected ||= up;
      },
    });
    let connected = false;
    const end = Date.now() + 5000;
    while (!connected && Date.now() < end) await sleep(20);
    ex.dns?.([
      record('one.example'),
      record('blocked.example', { rcode: 3, verdict: 'block', orderId: 4, ede: 16 }),
    ]);
    await sleep(200);
    await ex.close();
    const { yaml, extras } = await cap.stop();
    expect(yaml).toContain('identity: node-e2e');
    expect(yaml).toContain('type: CLIENT_RESPONSE');
    expect(yaml).toContain("- 'one.example. IN A'");
    expect(yaml).toContain("- 'blocked.example. IN A'");
    expect(yaml).toContain('status: NXDOMAIN');
    expect(yaml).toContain('INFO-CODE: 16 (Censored)');
    expect(/query_address: "?10\.9\.8\.7/.test(yaml)).toBe(includeAddress);
    expect(yaml).not.toContain('query_port');
    expect(extras).toEqual([
      'pseudonym=p20420-abcdefghijklmnopqrst',
      'pseudonym=p20420-abcdefghijklmnopqrst',
    ]);
    expect(ex.stats()).toMatchObject({ exported: 2, dropped: 0 });
  });
});

describe('dnstap from `gatehouse start` with dig', () => {
  let home: GatehouseHome | undefined;
  let gw: RunningGateway | undefined;
  let upstream: AuthDns | undefined;
  afterEach(async () => {
    await gw?.stop();
    await upstream?.close();
    home?.cleanup();
  });

  it('shows every query in dnstap-read, without the client address, with the pseudonym in extra', async () => {
    const cap = await startCapture('unix');
    home = createHome();
    upstream = await startAuthDns({ answerAll: '192.0.2.99' });
    gw = await startRadiusGateway(
      home,
      ['--upstream', `127.0.0.1:${upstream.port}`],
      `records:\n  flushInterval: 100ms\n  dnstap:\n    socket: ${cap.socket}\n    identity: gw-e2e\n`,
    );
    const reply = await accountingStart(gw, 'sub-42', '127.0.0.42', 's-1');
    expect(reply).toMatch(/Accounting-Response/);
    const dig = (name: string, ...extra: string[]) =>
      client('dig', [
        '-b',
        '127.0.0.42',
        '@127.0.0.1',
        '-p',
        String(extra.includes('+tcp') ? gw?.ports.tcp : gw?.ports.udp),
        '+tries=1',
        '+time=3',
        ...extra,
        name,
        'A',
      ]);
    expect(await dig('first.example')).toMatch(/status: NOERROR/);
    expect(await dig('second.example', '+tcp')).toMatch(/status: NOERROR/);
    await sleep(1000);
    await gw.stop(); // flushes the records, sends STOP
    gw = undefined;
    const { yaml, extras } = await cap.stop();
    expect(yaml).toContain('identity: gw-e2e');
    expect(yaml).toContain("- 'first.example. IN A'");
    expect(yaml).toContain("- 'second.example. IN A'");
    expect(yaml).toMatch(/socket_protocol: TCP/);
    expect(yaml).not.toContain('query_address');
    expect(yaml).not.toContain('127.0.0.42');
    expect(extras.length).toBeGreaterThanOrEqual(2);
    for (const e of extras) expect(e).toMatch(/^pseudonym=p\d+-[a-z2-7]{20}$/);
  }, 60_000);
});

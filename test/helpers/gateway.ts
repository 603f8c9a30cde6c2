/**
 * Running the real `gatehouse` command in tests: the CLI for setup (orders, lists), and
 * `gatehouse start` as a child process on 127.0.0.1:0, its bound ports read from its log.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const BIN = resolve(import.meta.dirname, '../../bin/gatehouse.js');
const run = promisify(execFile);

/** A temporary data directory and the CLI bound to it. */
export interface GatehouseHome {
  readonly dir: string;
  /** Runs `gatehouse ARGS` as `user`; resolves with stdout, rejects with the exit code and stderr. */
  cli(args: readonly string[], user?: string): Promise<string>;
  cleanup(): void;
}

/** Creates an empty data directory for one test file. */
export function createHome(): GatehouseHome {
  const dir = mkdtempSync(join(tmpdir(), 'gh-e2e-'));
  return {
    dir,
    async cli(args, user = 'alice') {
      const { stdout } = await run('node', [BIN, ...args], {
        env: { ...process.env, GATEHOUSE_DATA: join(dir, 'data'), GATEHOUSE_USER: user },
      });
      return stdout;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A running gateway process and where it listens. */
export interface RunningGateway {
  readonly process: ChildProcess;
  /** transport → port, from the start log (`udp`, `tcp`, `dot`, `doh`, `http`). */
  readonly ports: Record<string, number>;
  readonly log: string[];
  stop(): Promise<void>;
}

/** Starts `gatehouse start` with `args` (every listener on port 0 unless given) and waits for it. */
export function startGateway(home: GatehouseHome, args: readonly string[] = []): Promise<RunningGateway> {
  const child = spawn(
    'node',
    [
      BIN,
      'start',
      '--data',
      join(home.dir, 'data'),
      '--http',
      '127.0.0.1:0',
      '--dns',
      '127.0.0.1:0',
      '--dot',
      '127.0.0.1:0',
      '--doh',
      '127.0.0.1:0',
      // The explicit proxy defaults to :3128; two gateways in parallel test files must not clash.
      ...(args.includes('--proxy') ? [] : ['--proxy', '127.0.0.1:0']),
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log: string[] = [];
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${log.join('\n')}`)), 30_000);
    const onLine = (line: string) => {
      log.push(line);
      if (!line.includes('"gatehouse started"')) return;
      clearTimeout(timer);
      const entry = JSON.parse(line) as { http: string; dns: string[] };
      const ports: Record<string, number> = { http: Number(entry.http.split(':').pop()) };
      for (const d of entry.dns) {
        const [transport, at] = d.split(' ');
        ports[transport] ??= Number(at.split(':').pop());
      }
      resolvePromise({
        process: child,
        ports,
        log,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', (l) => log.push(l));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${log.join('\n')}`));
    });
  });
}

/** Runs a DNS client (`dig`, `kdig`) and returns its output. */
export async function client(cmd: 'dig' | 'kdig', args: readonly string[]): Promise<string> {
  const { stdout } = await run(cmd, [...args], { timeout: 15_000 });
  return stdout;
}

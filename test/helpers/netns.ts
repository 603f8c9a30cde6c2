/**
 * Network namespaces for e2e tests that need routing and netfilter (transparent proxying): two
 * namespaces joined by a veth pair, created by the test and deleted by it, so nothing touches the
 * host's own network (ip-netns(8), veth(4)). Needs root. Also the small process runners such
 * tests use: a command run to completion, and a long-running child awaited by a log line.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** What a command printed and how it exited. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion with `input` on stdin (never throws on a non-zero exit). */
export function run(args: readonly string[], input = ''): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(args[0], args.slice(1), { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      done({ code: err ? (typeof code === 'number' ? code : 1) : 0, stdout, stderr });
    });
    // A command that never reads its stdin (ip, curl) may exit before it is written: EPIPE.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
  });
}

/** Runs a command; throws with its stderr when it fails (setup must never fail quietly). */
export async function must(args: readonly string[], input = ''): Promise<Run> {
  const r = await run(args, input);
  if (r.code !== 0) throw new Error(`${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r;
}

/**
 * A client namespace whose every route goes through a gateway namespace:
 *
 *   client  vc 198.18.1.2/24 fd00:1::2/64 ──veth── vg 198.18.1.1/24 fd00:1::1/64  gateway
 *
 * (198.18.0.0/15: RFC 2544 benchmarking; fd00::/8: RFC 4193 local addresses.)
 */
export interface NetnsPair {
  readonly client: string;
  readonly gateway: string;
  /** `ip netns exec <ns> ARGS…` to completion. */
  inClient(args: readonly string[], input?: string): Promise<Run>;
  inGateway(args: readonly string[], input?: string): Promise<Run>;
  /** Deletes both namespaces (and with them the veth pair and their nft tables); never throws. */
  destroy(): Promise<void>;
}

/** Creates the pair; `gatewayLocal` addresses (`198.18.2.10/32`…) go on the gateway's loopback. */
export async function createNetnsPair(prefix: string, gatewayLocal: readonly string[]): Promise<NetnsPair> {
  const client = `${prefix}-c`;
  const gateway = `${prefix}-g`;
  const exec = (ns: string) => (args: readonly string[], input?: string) =>
    run(['ip', 'netns', 'exec', ns, ...args], input);
  const pair: NetnsPair = {
    client,
    gateway,
    inClient: exec(client),
    inGateway: exec(gateway),
    async destroy() {
      for (const ns of [client, gateway]) await run(['ip', 'netns', 'del', ns]);
    },
  };
  const steps = [
    `netns add ${client}`,
    `netns add ${gateway}`,
    `-n ${client} link set lo up`,
    `-n ${gateway} link set lo up`,
    `-n ${client} link add vc type veth peer name vg netns ${gateway}`,
    `-n ${client} addr add 198.18.1.2/24 dev vc`,
    // nodad: usable at once (no duplicate address detection wait, RFC 4862 §5.4).
    `-n ${client} addr add fd00:1::2/64 dev vc nodad`,
    `-n ${gateway} addr add 198.18.1.1/24 dev vg`,
    `-n ${gateway} addr add fd00:1::1/64 dev vg nodad`,
    `-n ${client} link set vc up`,
    `-n ${gateway} link set vg up`,
    `-n ${client} route add default via 198.18.1.1`,
    `-n ${client} -6 route add default via fd00:1::1`,
    ...gatewayLocal.map((a) => `-n ${gateway} addr add ${a} dev lo${a.includes(':') ? ' nodad' : ''}`),
  ];
  try {
    for (const step of steps) await must(['ip', ...step.split(' ')]);
  } catch (err) {
    await pair.destroy();
    throw err;
  }
  return pair;
}

/** A long-running child, its output lines, and a promise of the first line `ready` accepts. */
export interface StartedProcess {
  readonly child: ChildProcess;
  readonly log: string[];
  /** Resolves with the ready line; rejects if the child exits first or within 30 s. */
  readonly started: Promise<string>;
  /** SIGTERM, then resolves once it exited. */
  stop(): Promise<void>;
}

/** Spawns `args` (env added to this process's) and watches stdout for `ready`. */
export function startProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  ready: (line: string) => boolean,
): StartedProcess {
  const child = spawn(args[0], args.slice(1), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const started = new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${args[0]} did not start:\n${log.join('\n')}`)), 30_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      log.push(line);
      if (!ready(line)) return;
      clearTimeout(timer);
      ok(line);
    });
    createInterface({ input: child.stderr }).on('line', (line) => log.push(line));
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${args[0]} exited with ${code}:\n${log.join('\n')}`));
    });
  });
  // Awaited by the caller; this keeps an early exit after the test from being unhandled.
  started.catch(() => {});
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
  return { child, log, started, stop };
}

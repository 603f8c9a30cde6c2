/**
 * Benchmark: Gatehouse's explicit proxy against HAProxy (TCP mode) and a bare Node `net` pipe,
 * same machine, same run, in front of one local nginx origin, with the million-rule policy
 * loaded into Gatehouse (an order, its RPZ import, approved), names resolved by the gateway's own
 * DNS through a local Unbound answering 127.0.0.1 for every name. wrk with one thread drives:
 * 1 MiB responses (bytes/s), 1 KiB kept alive (req/s, p99), 1 KiB on new connections (req/s),
 * with server CPU time per request from /proc/PID/stat; then 10,000 idle connections weigh
 * Gatehouse's memory per connection. Prints figures and ratios; asserts nothing.
 *
 *   npm run bench:proxy
 *   GATEHOUSE_BENCH_SECONDS=10           measured seconds per run (after a 2 s warm-up)
 *   GATEHOUSE_BENCH_PROXIES=gatehouse    only some of gatehouse,haproxy,node
 *   GATEHOUSE_BENCH_PROF=1               `node --cpu-prof` on the gateway; top self time per run
 *   GATEHOUSE_BENCH_SET=k=v,k=v          more `--set` flags for the gateway (e.g. policy.recompileInterval=1h)
 *   GATEHOUSE_BENCH_SCENARIOS=1k,1k-close only some of 1m,1k,1k-close (ratios print when all three ran)
 *   GATEHOUSE_BENCH_IDLE=0               skip the idle-connection memory test
 *
 * On a busy machine (load average above the core count) rates say more about the neighbours;
 * bench/proxy-cpu.ts measures the proxy's CPU time per request instead.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { exportRules } from '../src/policy/formats/index.js';
import { approveMillionRuleOrder } from './bench-gatehouse.js';
import { monotonicUs, summarise, type Window } from './cpuprofile.js';
import { millionRules } from './million-rules.js';
import { cpuSeconds, mib, rssBytes } from './proc.js';
import {
  freePort,
  type Peer,
  startHaproxy,
  startNginx,
  startNodePipe,
  stop,
  waitTcp,
} from './proxy-peers.js';
import { probe, startUnbound } from './unbound.js';
import { runWrk, type WrkResult } from './wrk.js';

const SECONDS = Number(process.env.GATEHOUSE_BENCH_SECONDS ?? 10);
const WARMUP = 2;
const CONNS_1K = Number(process.env.GATEHOUSE_BENCH_CONNECTIONS ?? 50);
const CONNS_1M = 8;
const IDLE = Number(process.env.GATEHOUSE_BENCH_IDLE ?? 10_000);
const PROF = process.env.GATEHOUSE_BENCH_PROF === '1';
const ONLY = (process.env.GATEHOUSE_BENCH_PROXIES ?? 'gatehouse,haproxy,node').split(',');
const EXTRA_SET = (process.env.GATEHOUSE_BENCH_SET ?? '').split(',').filter(Boolean);
const ORIGIN_HOST = 'origin.bench';
const RAISE_NOFILE = 'ulimit -Sn "$(ulimit -Hn)"; exec node "$@"';

const dir = mkdtempSync(join(tmpdir(), 'gh-bench-proxy-'));
const children: ChildProcess[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MEMFILE = join(dir, 'gateway-memory.json');

interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
}

/** The gateway's memory after full GCs (bench/gc-on-signal.ts answers SIGUSR2). */
async function settledMemory(pid: number): Promise<Memory> {
  const seq = () => {
    try {
      return (JSON.parse(readFileSync(MEMFILE, 'utf8')) as { seq: number }).seq;
    } catch {
      return 0;
    }
  };
  const before = seq();
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 60_000;
  while (seq() === before) {
    if (Date.now() > deadline) throw new Error('the gateway did not answer SIGUSR2 with its memory');
    await sleep(50);
  }
  await sleep(500);
  const m = JSON.parse(readFileSync(MEMFILE, 'utf8')) as { heapUsed: number; external: number };
  return { rss: rssBytes(pid), heapUsed: m.heapUsed, external: m.external };
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
}

async function startGatehouse(upstream: number, profDir: string): Promise<Peer> {
  const port = await freePort();
  const dnsPort = await freePort();
  // gc-on-signal: full GCs and memoryUsage() on SIGUSR2, so memory is weighed without garbage.
  const node = [
    '--expose-gc',
    '--import',
    pathToFileURL(join(process.cwd(), 'dist/bench/gc-on-signal.js')).href,
  ];
  if (PROF) node.push('--cpu-prof', `--cpu-prof-dir=${profDir}`);
  const args = [
    ...node,
    'bin/gatehouse.js',
    'start',
    '--data',
    join(dir, 'data'),
    '--proxy',
    `127.0.0.1:${port}`,
    '--dns',
    `127.0.0.1:${dnsPort}`,
    '--upstream',
    `127.0.0.1:${upstream}`,
    '--http',
    '127.0.0.1:0',
    '--set',
    'dns.dot=[]',
    '--set',
    'dns.doh=[]',
    '--set',
    'log.level=warn',
    // For the idle-connection test: 10,000 from one address, idle longer than the default 10 s.
    '--set',
    'proxy.maxConnectionsPerSource=20000',
    '--set',
    'proxy.headerTimeout=5m',
    ...EXTRA_SET.flatMap((kv) => ['--set', kv]),
  ];
  // exec keeps the pid: /proc/PID/stat is the gateway's own.
  const child = spawn('bash', ['-c', RAISE_NOFILE, 'bash', ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, GATEHOUSE_BENCH_MEMFILE: MEMFILE },
  });
  children.push(child);
  const t0 = performance.now();
  await waitTcp(port, child, 'gatehouse', 300_000);
  while (!(await probe(dnsPort, ORIGIN_HOST)))
    if (child.exitCode !== null) throw new Error('gatehouse exited');
  console.log(
    `gatehouse: started with the million-rule policy in ${((performance.now() - t0) / 1000).toFixed(1)} s, rss ${mib(rssBytes(child.pid ?? 0))}`,
  );
  return { name: 'gatehouse', port, process: child, pid: child.pid ?? 0 };
}

/** One request through the explicit proxy, the way wrk will send it. */
function preflight(proxyPort: number, originPort: number, path: string) {
  return new Promise<{ status: number; bytes: number; via: string }>((resolve, reject) => {
    get(
      {
        host: '127.0.0.1',
        port: proxyPort,
        path: `http://${ORIGIN_HOST}:${originPort}${path}`,
        headers: { host: `${ORIGIN_HOST}:${originPort}` },
        agent: false,
      },
      (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => {
          bytes += d.length;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, bytes, via: String(res.headers.via ?? '') }),
        );
      },
    ).once('error', reject);
  });
}

interface Target {
  readonly peer: Peer;
  readonly key: 'gatehouse' | 'haproxy' | 'node';
  /** The request target and Host for a path (absolute form for the explicit proxy). */
  readonly path: (p: string) => { path: string; host?: string };
}

interface Scenario {
  readonly key: '1m' | '1k' | '1k-close';
  readonly label: string;
  readonly path: string;
  readonly connections: number;
  readonly close: boolean;
}

interface Measured {
  readonly r: WrkResult;
  readonly usPerRequest: number;
}

const WANT = (process.env.GATEHOUSE_BENCH_SCENARIOS ?? '1m,1k,1k-close').split(',');
const SCENARIOS: readonly Scenario[] = (
  [
    { key: '1m', label: '1 MiB', path: '/1m', connections: CONNS_1M, close: false },
    { key: '1k', label: '1 KiB keep-alive', path: '/1k', connections: CONNS_1K, close: false },
    { key: '1k-close', label: '1 KiB new conns', path: '/1k', connections: CONNS_1K, close: true },
  ] as const
).filter((s) => WANT.includes(s.key));

function errors(r: WrkResult): string {
  const e = r.errors;
  const n = e.connect + e.read + e.write + e.timeout + e.status;
  return n === 0 ? 'errors 0' : `errors ${JSON.stringify(e)}`;
}

async function measure(
  t: Target,
  s: Scenario,
  originRequests: () => Promise<number>,
  windows: Window[],
): Promise<Measured> {
  const url = `http://127.0.0.1:${t.peer.port}`;
  const { path, host } = t.path(s.path);
  const base = { url, path, host, connections: s.connections, close: s.close, dir };
  await runWrk({ ...base, seconds: WARMUP });
  const n0 = await originRequests();
  const cpu0 = cpuSeconds(t.peer.pid);
  const w0 = monotonicUs();
  const r = await runWrk({ ...base, seconds: SECONDS });
  const w1 = monotonicUs();
  const cpu = cpuSeconds(t.peer.pid) - cpu0;
  const seen = (await originRequests()) - n0 - 1; // less this status request
  if (t.key === 'gatehouse')
    windows.push({ label: `${s.label} (${s.connections} conns)`, startUs: w0, endUs: w1 });
  const usPerRequest = (cpu / r.requests) * 1e6;
  const rate =
    s.key === '1m'
      ? `${(r.bytesPerSec / 1048576).toFixed(1).padStart(7)} MiB/s`
      : `${Math.round(r.rps).toString().padStart(7)} req/s`;
  console.log(
    `${s.label.padEnd(17)} ${t.peer.name.padEnd(15)} ${rate}  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  server CPU ${usPerRequest.toFixed(1)} µs/req (${((cpu / r.seconds) * 100).toFixed(0)}% of a core)  requests ${r.requests}, origin saw ${seen}  ${errors(r)}`,
  );
  return { r, usPerRequest };
}

/** Lines from a child's stdout, one at a time. */
function lineReader(child: ChildProcess): () => Promise<string> {
  const queue: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  if (child.stdout === null) throw new Error('no stdout');
  createInterface({ input: child.stdout }).on('line', (l) => {
    const w = waiting.shift();
    if (w) w(l);
    else queue.push(l);
  });
  return () => {
    const l = queue.shift();
    return l !== undefined ? Promise.resolve(l) : new Promise((r) => waiting.push(r));
  };
}

async function idleConnections(gh: Peer, mode: 'none' | 'partial'): Promise<void> {
  const before = await settledMemory(gh.pid);
  const helper = spawn(
    'bash',
    ['-c', RAISE_NOFILE, 'bash', 'dist/bench/idle-clients.js', String(gh.port), String(IDLE), mode],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  children.push(helper);
  const next = lineReader(helper);
  const opened = JSON.parse(await next()) as { opened: number; failed: number; ms: number };
  await sleep(3000);
  const raw = rssBytes(gh.pid);
  const after = await settledMemory(gh.pid);
  helper.stdin?.write('status\n');
  const status = JSON.parse(await next()) as { open: number; closed: number };
  const per = (a: number, b: number) => ((a - b) / Math.max(1, opened.opened) / 1024).toFixed(1);
  const what = mode === 'none' ? 'sending nothing' : 'each sent a partial request head';
  console.log(
    `idle conns (${what}): ${opened.opened} opened in ${opened.ms} ms (${opened.failed} failed), ${status.open} still open; gatehouse after full GC: rss ${mib(before.rss)} → ${mib(after.rss)} = ${per(after.rss, before.rss)} KiB per connection (goal ≤ 20 KiB), of which JS heap ${per(after.heapUsed, before.heapUsed)} KiB + external ${per(after.external, before.external)} KiB; rss before GC ${mib(raw)}`,
  );
  helper.stdin?.end();
  await stop(helper);
  await sleep(2000);
  console.log(
    `idle conns (${what}): closed; gatehouse rss ${mib((await settledMemory(gh.pid)).rss)} after GC`,
  );
}

function ratio(a: number, b: number): string {
  return (a / b).toFixed(2);
}

async function main(): Promise<Window[]> {
  console.log(
    `gatehouse proxy benchmark: wrk -t1, ${WARMUP} s warm-up + ${SECONDS} s per run, 1 MiB with ${CONNS_1M} conns, 1 KiB with ${CONNS_1K} conns; node ${process.version}; load average ${load()}${EXTRA_SET.length > 0 ? `; gateway --set ${EXTRA_SET.join(' ')}` : ''}`,
  );
  const windows: Window[] = [];
  const profDir = join(dir, 'prof');
  mkdirSync(profDir);
  const set = await millionRules();
  const zone = join(dir, 'million.rpz');
  writeFileSync(zone, exportRules('rpz', set.rules).text);
  console.log(
    `policy: ${set.rules.length} names (${set.fromLists} from the real lists, ${set.generated} seeded)`,
  );
  approveMillionRuleOrder(join(dir, 'data'), zone);
  const upstream = await startUnbound(
    { port: await freePort(), answerAll: true, answerAddress: '127.0.0.1' },
    ORIGIN_HOST,
  );
  children.push(upstream.process);
  const nginx = await startNginx(join(dir, 'nginx'));
  children.push(nginx.process);
  const targets: Target[] = [];
  let gh: Peer | null = null;
  if (ONLY.includes('gatehouse')) {
    gh = await startGatehouse(upstream.port, profDir);
    const n0 = await nginx.requests();
    const pf = await preflight(gh.port, nginx.port, '/1k');
    const seen = (await nginx.requests()) - n0 - 1;
    console.log(
      `preflight: GET http://${ORIGIN_HOST}:${nginx.port}/1k through gatehouse → ${pf.status}, ${pf.bytes} bytes, via "${pf.via}", origin saw ${seen}`,
    );
    const origin = `${ORIGIN_HOST}:${nginx.port}`;
    targets.push({
      peer: gh,
      key: 'gatehouse',
      path: (p) => ({ path: `http://${origin}${p}`, host: origin }),
    });
  }
  if (ONLY.includes('haproxy')) {
    const hp = await startHaproxy(join(dir, 'haproxy'), nginx.port);
    children.push(hp.process);
    targets.push({ peer: hp, key: 'haproxy', path: (p) => ({ path: p }) });
  }
  if (ONLY.includes('node')) {
    const np = await startNodePipe(nginx.port);
    children.push(np.process);
    targets.push({ peer: np, key: 'node', path: (p) => ({ path: p }) });
  }
  const results = new Map<string, Measured>();
  for (const s of SCENARIOS)
    for (const t of targets) results.set(`${s.key}/${t.key}`, await measure(t, s, nginx.requests, windows));
  const g = (k: string) => results.get(`${k}/gatehouse`);
  const h = (k: string) => results.get(`${k}/haproxy`);
  const n = (k: string) => results.get(`${k}/node`);
  const [g1m, h1m, n1m] = [g('1m'), h('1m'), n('1m')];
  const [gka, hka, nka] = [g('1k'), h('1k'), n('1k')];
  const [gcl, hcl, ncl] = [g('1k-close'), h('1k-close'), n('1k-close')];
  if (g1m && h1m && n1m && gka && hka && nka && gcl && hcl && ncl) {
    console.log(
      `ratios: 1 MiB gatehouse/haproxy = ${ratio(g1m.r.bytesPerSec, h1m.r.bytesPerSec)} (goal ≥ 0.9), gatehouse/node-pipe = ${ratio(g1m.r.bytesPerSec, n1m.r.bytesPerSec)}; ` +
        `1 KiB keep-alive gatehouse/haproxy = ${ratio(gka.r.rps, hka.r.rps)} (goal ≥ 0.9), gatehouse/node-pipe = ${ratio(gka.r.rps, nka.r.rps)}, p99 gatehouse − haproxy = ${(gka.r.p99Ms - hka.r.p99Ms).toFixed(2)} ms (goal ≤ +1 ms); ` +
        `1 KiB new conns gatehouse/haproxy = ${ratio(gcl.r.rps, hcl.r.rps)} (goal ≥ 0.5), gatehouse/node-pipe = ${ratio(gcl.r.rps, ncl.r.rps)}`,
    );
    console.log(
      `ratios of server CPU per request, gatehouse/haproxy (gatehouse/node-pipe): 1 MiB ${ratio(g1m.usPerRequest, h1m.usPerRequest)} (${ratio(g1m.usPerRequest, n1m.usPerRequest)}), ` +
        `1 KiB keep-alive ${ratio(gka.usPerRequest, hka.usPerRequest)} (${ratio(gka.usPerRequest, nka.usPerRequest)}), 1 KiB new conns ${ratio(gcl.usPerRequest, hcl.usPerRequest)} (${ratio(gcl.usPerRequest, ncl.usPerRequest)})`,
    );
  }
  if (gh !== null && IDLE > 0) {
    await idleConnections(gh, 'none');
    await idleConnections(gh, 'partial');
  }
  return windows;
}

let windows: Window[] = [];
try {
  windows = await main();
} finally {
  // The gateway first, gracefully: --cpu-prof writes its profile as the process exits.
  await Promise.all(children.reverse().map((c) => stop(c)));
  console.log(`load average after: ${load()}`);
}
if (PROF) {
  const profDir = join(dir, 'prof');
  writeFileSync(join(profDir, 'windows.json'), JSON.stringify(windows));
  const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
  console.log(`profile: ${files.length} file(s) in ${profDir}`);
  for (const f of files) {
    console.log(`profile ${f}:`);
    for (const w of windows) for (const line of summarise(join(profDir, f), w)) console.log(line);
  }
}

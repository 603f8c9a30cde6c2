/**
 * Benchmark for a busy machine: the proxy's own CPU time per request, which (unlike a request
 * rate) does not depend on how many other processes share the cores. The explicit proxy runs in
 * this process (createProxy with a small compiled policy, prom-client metrics wired as main.ts
 * wires them, a no-op record sink and a lookup answering 127.0.0.1), in front of the local nginx
 * of bench/proxy-peers.ts; wrk (its own process, one thread) drives it; `process.cpuUsage()` of
 * this process over a run, divided by wrk's request count, is the figure. wrk and nginx burn
 * their CPU elsewhere, so nothing but the proxy is counted.
 *
 *   node dist/bench/proxy-cpu.js                    1 KiB keep-alive and 1 KiB on new connections
 *   GATEHOUSE_BENCH_SECONDS=10                      measured seconds per run (after a 2 s warm-up)
 *   GATEHOUSE_BENCH_RUNS=3                          runs per scenario (the median is printed)
 *   GATEHOUSE_BENCH_SCENARIOS=1k,1k-close,1m        which scenarios
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, Gauge, Registry } from 'prom-client';
import { type CompiledPolicy, compilePolicy } from '../src/policy/compile.js';
import { evaluate } from '../src/policy/evaluate.js';
import { parseTargetOrThrow } from '../src/policy/target.js';
import { createProxy } from '../src/proxy/proxy.js';
import { makeBenchOrder } from './bench-order.js';
import { startNginx, stop } from './proxy-peers.js';
import { runWrk } from './wrk.js';

const SECONDS = Number(process.env.GATEHOUSE_BENCH_SECONDS ?? 10);
const RUNS = Number(process.env.GATEHOUSE_BENCH_RUNS ?? 3);
const WANT = (process.env.GATEHOUSE_BENCH_SCENARIOS ?? '1k,1k-close').split(',');
const CONNS = 50;
const ORIGIN = 'origin.bench';

const SCENARIOS = [
  { key: '1k', label: '1 KiB keep-alive', path: '/1k', connections: CONNS, close: false },
  { key: '1k-close', label: '1 KiB new conns', path: '/1k', connections: CONNS, close: true },
  { key: '1m', label: '1 MiB', path: '/1m', connections: 8, close: false },
].filter((s) => WANT.includes(s.key));

function metrics() {
  const registry = new Registry();
  const c = (name: string, labelNames: string[]) =>
    new Counter({ name, help: name, labelNames, registers: [registry] });
  const connections = c('proxy_connections_total', ['listener', 'verdict']);
  const bytes = c('proxy_bytes_total', ['direction']);
  const throttled = c('proxy_throttled_bytes_total', []);
  const errors = c('proxy_errors_total', ['listener', 'kind']);
  const active = new Gauge({
    name: 'proxy_active',
    help: 'a',
    labelNames: ['listener'],
    registers: [registry],
  });
  return {
    connections: (listener: string, verdict: string) => connections.inc({ listener, verdict }),
    bytes: (direction: string, n: number) => bytes.inc({ direction }, n),
    throttledBytes: (n: number) => throttled.inc(n),
    active: (listener: string, delta: number) => active.inc({ listener }, delta),
    error: (listener: string, kind: string) => errors.inc({ listener, kind }),
  };
}

const now = Date.now();
const policy: CompiledPolicy = compilePolicy(
  [
    {
      order: makeBenchOrder(1),
      rules: ['blocked.bench', 'http://other.bench/forbidden/', '10.9.9.9'].map(parseTargetOrThrow),
    },
  ],
  now,
);
const quiet = { info() {}, warn() {}, error() {} };
// One frozen identity per client address, as the gateway's identity map (identity/cidr-map.ts)
// and lease index hand out: the proxy's judgement memo tells identities apart by object.
const IDENTITY = Object.freeze({ isp: 'isp-a', groups: Object.freeze([]), subscriber: null });
let recorded = 0;
const proxy = createProxy({
  policy: () => policy,
  identity: () => IDENTITY,
  lookup: async (name) => ({ addresses: ['127.0.0.1'], decision: evaluate(policy, { domain: name }) }),
  record: () => {
    recorded++;
  },
  metrics: metrics(),
  logger: quiet,
  settings: {
    operatorUrl: 'http://127.0.0.1:8080',
    headerTimeoutMs: 10_000,
    maxHeaderBytes: 16384,
    maxConnectionsPerSource: 100_000,
    idleTimeoutMs: 60_000,
    connectTimeoutMs: 5000,
    domesticPrefixes: [],
  },
});

/** nginx's stub_status: connections accepted so far ("server accepts handled requests"). */
function originAccepts(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/nginx_status', agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve(Number(/\n\s*(\d+)\s+\d+\s+\d+/.exec(body)?.[1] ?? Number.NaN)));
    }).once('error', reject);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'gh-bench-proxy-cpu-'));
const nginx = await startNginx(join(dir, 'nginx'));
try {
  const bound = await proxy.listen('explicit', '127.0.0.1', 0);
  const la = loadavg().map((l) => l.toFixed(2));
  console.log(
    `proxy CPU per request: node ${process.version}, wrk -t1, ${RUNS}× (2 s warm-up + ${SECONDS} s), load average ${la.join(', ')}`,
  );
  for (const s of SCENARIOS) {
    const base = {
      url: `http://127.0.0.1:${bound.port}`,
      path: `http://${ORIGIN}:${nginx.port}${s.path}`,
      host: `${ORIGIN}:${nginx.port}`,
      connections: s.connections,
      close: s.close,
      dir,
    };
    const per: number[] = [];
    const sys: number[] = [];
    const rates: number[] = [];
    let originSaw = 0;
    let originConns = 0;
    let requests = 0;
    for (let i = 0; i < RUNS; i++) {
      await runWrk({ ...base, seconds: 2 });
      const n0 = await nginx.requests();
      const a0 = await originAccepts(nginx.port);
      const c0 = process.cpuUsage();
      const r = await runWrk({ ...base, seconds: SECONDS });
      const c = process.cpuUsage(c0);
      originSaw += (await nginx.requests()) - n0 - 2;
      originConns += (await originAccepts(nginx.port)) - a0 - 2;
      requests += r.requests;
      if (r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout + r.errors.status > 0)
        console.log(`  errors: ${JSON.stringify(r.errors)}`);
      per.push(((c.user + c.system) / r.requests) | 0);
      sys.push((c.system / r.requests) | 0);
      rates.push(Math.round(r.rps));
    }
    const median = [...per].sort((a, b) => a - b)[per.length >> 1];
    console.log(
      `${s.label.padEnd(17)} ${median.toString().padStart(4)} µs CPU/req (runs: ${per.join(', ')} µs, of which system ${sys.join(', ')} µs; ${rates.join(', ')} req/s) requests ${requests}, origin saw ${originSaw} requests on ${originConns} new connections`,
    );
  }
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}; flow records ${recorded}`,
  );
} finally {
  await proxy.close();
  await stop(nginx.process);
  rmSync(dir, { recursive: true, force: true });
}

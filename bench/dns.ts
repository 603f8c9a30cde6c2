/**
 * Benchmark: the DNS gateway against Unbound and a bare Node UDP server, same machine, same run,
 * same million-rule policy (one RPZ file both load), same query mix (Umbrella top-100k, 80%
 * allowed + 20% blocked), the same local upstream (an Unbound answering every name).
 * Prints rates, CPU per query, p99 at a fixed rate and memory; asserts nothing. The reload under
 * load is bench/reload.ts.
 *
 *   npm run bench:dns            (GATEHOUSE_BENCH_SECONDS=15 by default)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportRules } from '../src/policy/formats/index.js';
import { approveMillionRuleOrder } from './bench-gatehouse.js';
import { queryFile } from './dns-queries.js';
import { runDnsperf, udpRcvbufErrors } from './dnsperf.js';
import { millionRules } from './million-rules.js';
import { cpuSeconds, mib, rssBytes } from './proc.js';
import { freePort } from './proxy-peers.js';
import { probe, startUnbound } from './unbound.js';

const SECONDS = Number(process.env.GATEHOUSE_BENCH_SECONDS ?? 15);
const dir = mkdtempSync(join(tmpdir(), 'gh-bench-dns-'));
const children: ChildProcess[] = [];

async function waitFor(p: number, name: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await probe(p, name))) if (Date.now() > deadline) throw new Error(`nothing answers on ${p}`);
}

async function startGatehouse(zone: string, upstream: number): Promise<{ pid: number; port: number }> {
  approveMillionRuleOrder(join(dir, 'data'), zone);
  const p = await freePort();
  const args = [
    'bin/gatehouse.js',
    'start',
    '--data',
    join(dir, 'data'),
    '--dns',
    `127.0.0.1:${p}`,
    '--upstream',
    `127.0.0.1:${upstream}`,
    '--http',
    '127.0.0.1:0',
  ];
  args.push(
    '--set',
    'dns.dot=[]',
    '--set',
    'dns.doh=[]',
    '--set',
    'proxy.listen=[]',
    '--set',
    'log.level=warn',
  );
  const child = spawn('node', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  await waitFor(p, 'example.com');
  return { pid: child.pid ?? 0, port: p };
}

async function measure(label: string, pid: number, p: number, file: string) {
  // One full pass through the queries at a gentle rate fills both caches (as a resolver in
  // service has them); the measured run then compares the answering paths, not the upstream.
  await runDnsperf({ port: p, file, seconds: 60, passes: 1, maxQps: 40_000 });
  const cpu0 = cpuSeconds(pid);
  const drops0 = udpRcvbufErrors();
  const r = await runDnsperf({ port: p, file, seconds: SECONDS });
  const cpu = cpuSeconds(pid) - cpu0;
  const drops = udpRcvbufErrors() - drops0;
  const usPerQuery = (cpu / r.completed) * 1e6;
  console.log(
    `${label.padEnd(22)} ${Math.round(r.qps).toString().padStart(7)} q/s  lost ${r.lost}  avg ${r.avgLatencyMs.toFixed(2)} ms  server CPU ${usPerQuery.toFixed(1)} µs/query  rcodes ${JSON.stringify(r.rcodes)}  UDP RcvbufErrors +${drops} (host-wide)  load ${loadavg()[0].toFixed(2)}`,
  );
  return { qps: r.qps, usPerQuery };
}

async function main(): Promise<void> {
  console.log(
    `gatehouse DNS benchmark: ${SECONDS} s per run, dnsperf -T 1 (one core), node ${process.version}`,
  );
  const set = await millionRules();
  const zone = join(dir, 'million.rpz');
  writeFileSync(zone, exportRules('rpz', set.rules).text);
  const file = queryFile(
    dir,
    set.rules.map((r) => r.value),
  );
  console.log(
    `policy: ${set.rules.length} names (${set.fromLists} from the real lists, ${set.generated} seeded); queries: ${file}`,
  );
  const upstream = await startUnbound({ port: await freePort(), answerAll: true });
  children.push(upstream.process);
  const gh = await startGatehouse(zone, upstream.port);
  const ub = await startUnbound(
    { port: await freePort(), rpzFile: zone, forwardTo: `127.0.0.1:${upstream.port}` },
    'example.com',
  );
  children.push(ub.process);
  const bp = await freePort();
  const bare = spawn('node', ['dist/bench/bare-udp.js', String(bp)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(bare);
  await waitFor(bp, 'example.com');
  const g = await measure('gatehouse', gh.pid, gh.port, file);
  const u = await measure('unbound (rpz)', ub.pid, ub.port, file);
  const b = await measure('bare node udp', bare.pid ?? 0, bp, file);
  console.log(
    `ratios: gatehouse/bare-node = ${(g.qps / b.qps).toFixed(2)} (floor 0.9), gatehouse/unbound = ${(g.qps / u.qps).toFixed(2)} (goal 1.0); CPU per query gatehouse/unbound = ${(g.usPerQuery / u.usPerQuery).toFixed(2)}`,
  );
  for (const [label, p] of [
    ['gatehouse', gh.port],
    ['unbound (rpz)', ub.port],
  ] as const) {
    const r = await runDnsperf({
      port: p,
      file,
      seconds: Math.min(SECONDS, 10),
      maxQps: 20_000,
      verbose: true,
    });
    console.log(
      `${label.padEnd(22)} at 20k q/s: p50 ${r.p50Ms?.toFixed(3)} ms, p99 ${r.p99Ms?.toFixed(3)} ms, lost ${r.lost}`,
    );
  }
  const ghRss = rssBytes(gh.pid);
  const ubRss = rssBytes(ub.pid);
  console.log(
    `memory: gatehouse rss ${mib(ghRss)}, unbound rss ${mib(ubRss)}: ratio ${(ghRss / ubRss).toFixed(2)} (goal ≤ 0.25)`,
  );
  console.log('reload under load: see bench/reload.ts (node dist/bench/reload.js)');
}

try {
  await main();
} finally {
  for (const c of children) c.kill('SIGTERM');
}

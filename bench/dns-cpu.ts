/**
 * CPU per query of the gateway's UDP hot path, profiled: the gateway runs on a data directory
 * that already holds the million-rule order (from bench/dns.ts or bench/reload.ts, or made
 * here), with `node --cpu-prof`; dnsperf fills the cache with one pass, then runs unthrottled.
 * Prints q/s, server CPU µs per query (from /proc, steadier than q/s on a shared machine), the
 * load average, and the profile's top self-time functions over the measured window only.
 *
 *   node dist/bench/dns-cpu.js [DATA_DIR]     (GATEHOUSE_BENCH_SECONDS=15, GATEHOUSE_BENCH_QPS=0: unthrottled)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportRules } from '../src/policy/formats/index.js';
import { approveMillionRuleOrder } from './bench-gatehouse.js';
import { monotonicUs, summarise } from './cpuprofile.js';
import { queryFile } from './dns-queries.js';
import { npmStartNodeOptions } from './dns-start.js';
import { runDnsperf, udpRcvbufErrors } from './dnsperf.js';
import { millionRules } from './million-rules.js';
import { cpuSeconds } from './proc.js';
import { freePort } from './proxy-peers.js';
import { probe, startUnbound } from './unbound.js';

const SECONDS = Number(process.env.GATEHOUSE_BENCH_SECONDS ?? 15);
// A fixed rate (dnsperf -Q) makes CPU per query comparable between builds on a busy machine:
// unthrottled, the batch per event-loop turn (and so the cost per query) follows the load.
const QPS = Number(process.env.GATEHOUSE_BENCH_QPS ?? 0);
const dir = mkdtempSync(join(tmpdir(), 'gh-bench-dns-cpu-'));
const children: ChildProcess[] = [];

/** CPU seconds of each thread of `pid`, by thread name (main, workers, libuv pool). */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(`${name}#${tid}`, (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

async function main(): Promise<void> {
  const set = await millionRules();
  const file = queryFile(
    dir,
    set.rules.map((r) => r.value),
  );
  let data = process.argv[2];
  if (data === undefined || !existsSync(data)) {
    data = join(dir, 'data');
    const zone = join(dir, 'million.rpz');
    writeFileSync(zone, exportRules('rpz', set.rules).text);
    approveMillionRuleOrder(data, zone);
  }
  const upstream = await startUnbound({ port: await freePort(), answerAll: true });
  children.push(upstream.process);
  const port = await freePort();
  const profDir = join(dir, 'prof');
  const loopFile = join(dir, 'loop.json');
  // npm start's node options first (bench/dns-start.ts), then the profiler's.
  const args = [
    ...npmStartNodeOptions(),
    '--cpu-prof',
    '--cpu-prof-dir',
    profDir,
    '--import',
    './dist/bench/dns-loop-delay.js',
  ];
  args.push('bin/gatehouse.js', 'start', '--data', data);
  args.push(
    '--dns',
    `127.0.0.1:${port}`,
    '--upstream',
    `127.0.0.1:${upstream.port}`,
    '--http',
    '127.0.0.1:0',
  );
  for (const s of ['dns.dot=[]', 'dns.doh=[]', 'proxy.listen=[]', 'log.level=warn']) args.push('--set', s);
  const gh = spawn('node', args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, GATEHOUSE_BENCH_LOOPFILE: loopFile },
  });
  children.push(gh);
  while (!(await probe(port, 'example.com')));
  const pid = gh.pid ?? 0;
  await runDnsperf({ port, file, seconds: 60, passes: 1, maxQps: 40_000 });
  const cpu0 = cpuSeconds(pid);
  const threads0 = threadCpu(pid);
  const drops0 = udpRcvbufErrors();
  gh.kill('SIGWINCH');
  const start = monotonicUs();
  const r = await runDnsperf({ port, file, seconds: SECONDS, ...(QPS > 0 ? { maxQps: QPS } : {}) });
  const end = monotonicUs();
  gh.kill('SIGUSR2');
  const cpu = cpuSeconds(pid) - cpu0;
  const threads = [...threadCpu(pid)]
    .map(([t, v]) => [t, ((v - (threads0.get(t) ?? 0)) / r.completed) * 1e6] as const)
    .filter(([, us]) => us >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  console.log(
    `gatehouse ${Math.round(r.qps)} q/s, lost ${r.lost}, server CPU ${((cpu / r.completed) * 1e6).toFixed(2)} µs/query, UDP RcvbufErrors +${udpRcvbufErrors() - drops0}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, rcodes ${JSON.stringify(r.rcodes)}`,
  );
  console.log(`  by thread (µs/query): ${threads.map(([t, us]) => `${t} ${us.toFixed(2)}`).join(', ')}`);
  await new Promise((res) => setTimeout(res, 300));
  if (existsSync(loopFile)) console.log(`event loop and GC over the run: ${readFileSync(loopFile, 'utf8')}`);
  const exited = new Promise((res) => gh.once('exit', res));
  gh.kill('SIGINT');
  await exited;
  const prof = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (prof)
    for (const l of summarise(join(profDir, prof), { label: 'measured run', startUs: start, endUs: end }, 25))
      console.log(l);
}

try {
  await main();
} finally {
  for (const c of children) c.kill('SIGTERM');
}

/**
 * One run of the records benchmark with DNS under load: dnsperf drives the in-process gateway at a
 * fixed rate while the synthetic producer tops the records up to the offered total; then the run
 * waits until the records path has accounted for every record (written or dropped), and the rows
 * are counted in the database itself. CPU comes from process.cpuUsage (all threads of this process)
 * and, per thread, from /proc/self/task; `PROFILE=1` adds a V8 CPU profile of the main thread over
 * the push window (node:inspector), summarised with bench/cpuprofile.ts.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Records } from '../src/records/pipeline.js';
import type { DnsQueryRecord } from '../src/records/types.js';
import { summarise } from './cpuprofile.js';
import { type DnsFixture, type DnsLoad, type InProcessGateway, startLoad } from './records-dns.js';
import { type GcFigures, gcLine, trackGc } from './records-gc.js';
import { produce } from './records-synthetic.js';

/** How one run is driven. */
export interface RunOptions {
  readonly label: string;
  /** Records/s offered in total (DNS records + synthetic). */
  readonly rate: number;
  readonly seconds: number;
  /** dnsperf's fixed query rate. */
  readonly qps: number;
  readonly burst: number;
  readonly target: number;
  /** Rows in the records database's dns_queries table now. */
  readonly count: () => Promise<number>;
  /** Where dnsperf's output and the profile go. */
  readonly dir: string;
  readonly profile: boolean;
  /** DNS alone (rate = qps: only the queries' own records), for comparison; no target. */
  readonly baseline?: boolean;
  /** CPU seconds so far of a database server outside this process (PostgreSQL). */
  readonly serverCpu?: () => number;
}

/** The load averages, 1, 5 and 15 min. */
export const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

let startup = new Set<string>();

/**
 * Notes the threads this process has before the gateway starts (V8's platform threads, which run
 * the concurrent GC, and libuv's), so that the gateway's worker threads (policy compiler, SQLite
 * sink, DNS workers: all named "node" by Linux) can be told from them.
 */
export function markStartupThreads(): void {
  startup = new Set(readdirSync('/proc/self/task'));
}

/** The threads started since `markStartupThreads`, oldest first (Linux hands out ids in order). */
export function newThreads(): string[] {
  const ids = readdirSync('/proc/self/task').filter((t) => !startup.has(t));
  return ids.sort((a, b) => Number(a) - Number(b));
}

/** CPU seconds of each thread of this process, by kind and id. */
export function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const kind = tid === String(process.pid) ? 'main' : startup.has(tid) ? 'v8/libuv' : 'worker';
      out.set(`${kind}#${tid}`, (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/**
 * Resolves once every record pushed so far is written or counted as dropped and nothing new has
 * arrived for 500 ms (DNS workers hold up to 512 records for up to 100 ms before posting them to
 * main, and report their drops every 250 ms), or false after `ms`.
 */
async function drained(records: Records, ms: number): Promise<number | null> {
  const deadline = performance.now() + ms;
  let last = -1;
  let since = performance.now();
  let doneAt: number | null = null; // when everything pushed so far was last found accounted for
  for (;;) {
    const s = records.stats().dns;
    const now = performance.now();
    if (s.pushed !== last) {
      last = s.pushed;
      since = now;
    }
    if (s.pushed !== s.written + s.dropped) doneAt = null;
    else doneAt ??= now;
    if (doneAt !== null && now - since >= 500) return doneAt;
    if (now > deadline) return null;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** gatehouse_records_dropped_total{kind="dns"}: the batcher's drops and the DNS workers' (never posted to main). */
async function droppedMetric(g: InProcessGateway): Promise<number> {
  const m = await g.gateway.metrics.recordsDropped.get();
  return m.values.find((v) => v.labels.kind === 'dns')?.value ?? 0;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en');

async function startProfile(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  return session;
}

async function stopProfile(session: Session, file: string, label: string): Promise<string[]> {
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  writeFileSync(file, JSON.stringify(profile));
  return summarise(
    file,
    { label: `${label}, main thread`, startUs: profile.startTime, endUs: profile.endTime },
    20,
  );
}

/** What one run measured. */
interface Figures {
  readonly s0: BatcherStats;
  readonly atPushEnd: BatcherStats;
  readonly s1: BatcherStats;
  readonly synthetic: number;
  readonly pushSeconds: number;
  /** From the start until every record was accounted for (null: not within 120 s). */
  readonly storedSeconds: number | null;
  readonly rows: number;
  readonly workerDropped: number;
  readonly dns: DnsLoad;
  readonly cpuSeconds: number;
  /** The wall-clock time the CPU figures cover. */
  readonly cpuWall: number;
  readonly serverCpu: number | null;
  readonly threads: readonly (readonly [string, number])[];
  readonly load0: string;
  readonly profile: string[];
  readonly gc: GcFigures;
}

type BatcherStats = ReturnType<Records['stats']>['dns'];

async function measure(g: InProcessGateway, f: DnsFixture, o: RunOptions): Promise<Figures> {
  const records = g.gateway.records;
  if ((await drained(records, 60_000)) === null)
    throw new Error('the records path did not drain before the run');
  const rows0 = await o.count();
  const s0 = records.stats().dns;
  const metricDropped0 = await droppedMetric(g);
  const load0 = load();
  const threads0 = threadCpu();
  const session = o.profile ? await startProfile() : null;
  const server0 = o.serverCpu?.() ?? 0;
  const gc = trackGc();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const running = startLoad(
    g.port,
    f.queries,
    o.qps,
    o.seconds,
    join(o.dir, `dnsperf-${o.label}-${o.rate}.txt`),
  );
  let synthetic = 0;
  const push = (r: DnsQueryRecord): void => {
    synthetic++;
    records.dns(r);
  };
  const others = (): number => records.stats().dns.pushed - s0.pushed - synthetic;
  const produced = await produce(push, { rate: o.rate, seconds: o.seconds, burst: o.burst, others });
  const atPushEnd = records.stats().dns;
  const file = join(o.dir, `${o.label}-${o.rate}.cpuprofile`);
  const profile = session ? await stopProfile(session, file, o.label) : [];
  const dns = await running.done();
  const doneAt = await drained(records, 120_000);
  const cpu = process.cpuUsage(cpu0);
  const gcFigures = gc.stop();
  const cpuWall = (performance.now() - t0) / 1000;
  const s1 = records.stats().dns;
  return {
    s0,
    atPushEnd,
    s1,
    synthetic,
    pushSeconds: produced.seconds,
    storedSeconds: doneAt === null ? null : (doneAt - t0) / 1000,
    rows: (await o.count()) - rows0,
    // Records of answered queries that a DNS worker dropped (main too slow to take them): never pushed.
    workerDropped: (await droppedMetric(g)) - metricDropped0 - (s1.dropped - s0.dropped),
    dns,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    cpuWall,
    serverCpu: o.serverCpu ? o.serverCpu() - server0 : null,
    threads: [...threadCpu()]
      .map(([t, v]) => [t, v - (threads0.get(t) ?? 0)] as const)
      .filter(([, sec]) => sec >= 0.05)
      .sort((a, b) => b[1] - a[1]),
    load0,
    profile,
    gc: gcFigures,
  };
}

/** Runs once and prints the figures; returns whether the target was met. */
export async function runUnderDns(g: InProcessGateway, f: DnsFixture, o: RunOptions): Promise<boolean> {
  const m = await measure(g, f, o);
  const { s0, s1, atPushEnd, dns: q } = m;
  const recordsIn = s1.pushed - s0.pushed;
  const seconds = m.storedSeconds ?? m.cpuWall;
  const offered = (atPushEnd.pushed - s0.pushed) / m.pushSeconds;
  const stored = recordsIn / seconds;
  const diff = m.rows - recordsIn;
  const drainSeconds = seconds - m.pushSeconds;
  // Kept up: the backlog was gone within a flush interval (1 s: a partial batch waits that long) + 0.5 s.
  const keptUp = m.storedSeconds !== null && drainSeconds <= 1.5;
  const dropped = s1.dropped - s0.dropped + m.workerDropped;
  const met = diff === 0 && dropped === 0 && (stored >= o.target || (keptUp && offered >= 0.995 * o.target));
  const lost =
    (diff === 0 ? 'none lost' : diff < 0 ? `${fmt(-diff)} LOST` : `${fmt(diff)} DUPLICATED`) +
    (m.workerDropped > 0
      ? `, and ${fmt(m.workerDropped)} records of answered queries LOST in the DNS workers`
      : '');
  const state = keptUp ? 'kept up' : m.storedSeconds !== null ? 'fell behind' : 'NOT DRAINED in 120 s';
  const server = m.serverCpu === null ? '' : `; PostgreSQL server ${m.serverCpu.toFixed(1)} s`;
  const pad = ''.padEnd(10);
  const out = [
    `  ${o.label.padEnd(10)} offered ${fmt(o.rate)}/s (achieved ${fmt(offered)}/s): ${fmt(stored)} records/s stored; ` +
      `${fmt(recordsIn)} in (${fmt(recordsIn - m.synthetic)} from DNS queries + ${fmt(m.synthetic)} synthetic), ${fmt(m.rows)} rows stored: ${lost}`,
    `  ${pad} ${state}: backlog at push end ${fmt(atPushEnd.pushed - atPushEnd.written - atPushEnd.dropped)}, ` +
      `all stored ${drainSeconds.toFixed(2)} s after the last push; dropped ${s1.dropped - s0.dropped} (batcher) + ` +
      `${m.workerDropped} (DNS workers), spooled ${s1.spooled - s0.spooled}, sink errors ${s1.sinkErrors - s0.sinkErrors}`,
    `  ${pad} DNS: dnsperf -Q ${fmt(o.qps)}: ${fmt(q.qps)} q/s answered (${fmt(q.completed)} of ${fmt(q.sent)}), ` +
      `lost ${q.lost}, p99 ${q.p99Ms.toFixed(2)} ms; ${q.rcodes}`,
    `  ${pad} CPU: this process ${m.cpuSeconds.toFixed(1)} s in ${m.cpuWall.toFixed(1)} s (${(m.cpuSeconds / m.cpuWall).toFixed(2)} cores; ` +
      `${((m.cpuSeconds / recordsIn) * 1e6).toFixed(2)} µs per record, DNS answering included); dnsperf ${q.cpuSeconds.toFixed(1)} s${server}`,
    `  ${pad} by thread: ${m.threads.map(([t, sec]) => `${t} ${sec.toFixed(2)} s (${((sec / recordsIn) * 1e6).toFixed(2)} µs/record)`).join(', ')}`,
    `  ${pad} ${gcLine(m.gc)}`,
    `  ${pad} load ${m.load0} → ${load()}; ` +
      (o.baseline
        ? `baseline: DNS and its own records alone, ${lost}`
        : `target ≥ ${fmt(o.target)}/s with zero lost: ${met ? 'met' : 'NOT MET'}`),
  ];
  for (const line of [...out, ...m.profile]) console.log(line);
  return met;
}

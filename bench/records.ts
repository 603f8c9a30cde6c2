/**
 * Benchmark: DNS query records sustained into the records database through the real records path
 * (`startRecords`: batcher → spool → sink), as the DNS pipeline pushes them (issue 5: ≥ 200,000/s into
 * SQLite, ≥ 100,000/s into PostgreSQL, zero lost). The producer creates one record object per query on
 * the main thread, in bursts per event-loop turn as a busy listener does, so the records path competes
 * with "DNS" for the thread. Each run offers a fixed rate for SECONDS (rate 0: as fast as the producer
 * can, i.e. overload, where the backlog must go through the spool); the figure is records pushed / time
 * until all of them are stored, and the rows are then counted in the database itself: in = stored, or
 * it says LOST (or DUPLICATED).
 *
 *   npm run bench:records   (SQLITE_RATES=200000,300000,0 PG_RATES=100000,150000 SECONDS=10; PG=0 skips PostgreSQL)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startRecords } from '../src/records/pipeline.js';
import { createPostgresSink } from '../src/records/sinks/postgres.js';
import type { DnsQueryRecord, DnsTransport } from '../src/records/types.js';
import { type PostgresCluster, startPostgres } from '../test/helpers/postgres.js';
import { seededRandom } from './seeded-names.js';

const SECONDS = Number(process.env.SECONDS ?? 10);
const BURST = Number(process.env.BURST ?? 2000);
const rates = (text: string): number[] => text.split(',').map(Number);
const SQLITE_RATES = rates(process.env.SQLITE_RATES ?? '200000,300000,0');
const PG_RATES = rates(process.env.PG_RATES ?? '100000,150000,0');
/** Records per overload run (rate 0). */
const OVERLOAD_RECORDS = Number(process.env.OVERLOAD_RECORDS ?? 2_000_000);
const TRANSPORTS: readonly DnsTransport[] = ['udp', 'udp', 'udp', 'tcp', 'dot', 'doh'];

const random = seededRandom(7);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
const NAMES = Array.from({ length: 50_000 }, (_, i) => `host${i}.example${i % 97}.com`);
const CLIENTS = Array.from({ length: 65_536 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.${(i * 7) & 255}`);
const PSEUDONYMS = Array.from({ length: 65_536 }, (_, i) => `p${i.toString(36).padStart(21, 'x')}`);

/** One record as the DNS pipeline makes it: one object literal, every field, declaration order. */
function record(i: number, now: number): DnsQueryRecord {
  const blocked = i % 23 === 0;
  return {
    time: now,
    clientAddress: CLIENTS[i & 65_535] as string,
    clientPort: 1024 + (i % 60_000),
    transport: TRANSPORTS[i % TRANSPORTS.length] as DnsTransport,
    isp: `isp-${i & 7}`,
    subscriber: i % 5 === 0 ? null : (PSEUDONYMS[(i * 31) & 65_535] as string),
    qname: pick(NAMES),
    qtype: i % 3 === 0 ? 28 : 1,
    rcode: blocked ? 3 : 0,
    verdict: blocked ? 'block' : 'none',
    orderId: blocked ? 17 : 0,
    ruleId: blocked ? 4242 : -1,
    cacheHit: i % 4 !== 0,
    upstream: i % 4 === 0 ? '192.0.2.53:53' : null,
    latencyUs: 80 + (i % 900),
    ede: blocked ? 16 : null,
  };
}

interface Result {
  readonly records: number;
  readonly seconds: number;
  readonly pushSeconds: number;
  readonly cpuSeconds: number;
  readonly stored: number;
  readonly stats: string;
}

type Pipeline = Awaited<ReturnType<typeof startRecords>>;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

/**
 * Offers `rate` records/s for SECONDS (0: as fast as possible, OVERLOAD_RECORDS of them) in bursts of
 * at most BURST per event-loop turn, then closes (drains) the pipeline and counts what was stored.
 */
async function drive(records: Pipeline, rate: number, count: () => Promise<number>): Promise<Result> {
  const total = rate === 0 ? OVERLOAD_RECORDS : Math.round(rate * SECONDS);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < total; ) {
    const due = rate === 0 ? total : Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000));
    if (due <= i) {
      await sleep();
      continue;
    }
    const now = Date.now();
    const end = Math.min(due, i + BURST);
    for (; i < end; i++) records.dns(record(i, now));
    await tick();
  }
  const pushSeconds = (performance.now() - t0) / 1000;
  const s = records.stats().dns;
  await records.close();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const stats = `at push end: queued ${s.queued}, spooled ${s.spooled}, dropped ${s.dropped}, sink errors ${s.sinkErrors}`;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { records: total, seconds, pushSeconds, cpuSeconds, stored: await count(), stats };
}

function report(name: string, rate: number, r: Result, target: number): void {
  const stored = r.records / r.seconds;
  const diff = r.stored - r.records;
  const fmt = (n: number): string => Math.round(n).toLocaleString('en');
  const offered = rate === 0 ? 'overload' : `${fmt(rate)}/s`;
  console.log(
    `  ${name.padEnd(10)} offered ${offered.padStart(9)}: ${fmt(stored).padStart(9)} records/s stored ` +
      `(${fmt(r.records)} in, ${fmt(r.stored)} stored: ${diff === 0 ? 'none lost' : diff < 0 ? `${-diff} LOST` : `${diff} DUPLICATED`}; ` +
      `pushed in ${r.pushSeconds.toFixed(2)} s, all stored after ${r.seconds.toFixed(2)} s; ` +
      `process CPU ${r.cpuSeconds.toFixed(1)} s, ${fmt(r.records / r.cpuSeconds)} records per CPU-s)`,
  );
  // Kept up: everything offered was stored within half a second of the last push.
  const keptUp = rate > 0 && r.seconds - r.pushSeconds <= 0.5;
  const met = diff === 0 && (stored >= target || (keptUp && rate >= target));
  const kept = rate === 0 ? '' : keptUp ? 'kept up; ' : 'fell behind; ';
  console.log(`  ${''.padEnd(10)} ${kept}${r.stats}; target ≥ ${fmt(target)}/s: ${met ? 'met' : 'not met'}`);
}

const base = {
  batchSize: Number(process.env.BATCH ?? 1000),
  flushIntervalMs: 1000,
  maxQueue: 100_000,
  spoolBytes: 2 ** 31,
  onDrop: (_kind: string, dropped: number) => console.log(`  dropped ${dropped}`),
};

async function sqlite(dir: string, rate: number): Promise<void> {
  const records = await startRecords({ ...base, dataDir: dir });
  const result = await drive(records, rate, async () => {
    const db = new Database(join(dir, 'records.db'), { readonly: true });
    const n = Number(db.prepare('SELECT COUNT(*) FROM dns_queries').pluck().get());
    db.close();
    return n;
  });
  report('SQLite', rate, result, 200_000);
}

async function postgres(dir: string, rate: number, cluster: PostgresCluster): Promise<void> {
  const url = await cluster.freshDatabase();
  const rows = process.env.PG_ROWS;
  const sink = await createPostgresSink(rows === undefined ? { url } : { url, rowsPerInsert: Number(rows) });
  const records = await startRecords({ ...base, dataDir: dir, sink });
  const result = await drive(records, rate, async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM dns_queries');
    await client.end();
    return Number(rows[0]?.n);
  });
  report('PostgreSQL', rate, result, 100_000);
}

async function inTempDir(name: string, run: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `gatehouse-bench-records-${name}-`));
  try {
    await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const load = (): string =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(
    `records: DNS query records through startRecords, ${SECONDS} s per offered rate, bursts ≤ ${BURST}; load ${load()}`,
  );
  for (const rate of SQLITE_RATES) await inTempDir('sqlite', (dir) => sqlite(dir, rate));
  console.log(`  load average: ${load()}`);
  if (process.env.PG !== '0') {
    const cluster = await startPostgres();
    try {
      for (const rate of PG_RATES) await inTempDir('pg', (dir) => postgres(dir, rate, cluster));
    } finally {
      await cluster.stop();
    }
    console.log(`  load average: ${load()}`);
  }
}

await main();

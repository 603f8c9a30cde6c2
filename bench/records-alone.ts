/**
 * The records benchmark without DNS (`DNS=0`): the synthetic producer alone pushes into the records
 * path (`startRecords`: batcher → spool → sink worker) on the main thread; each run gets a fresh
 * database and ends with `close()` (a drain), then the rows are counted. This isolates the records
 * path; it is not the issue's figure, which is with DNS under load (bench/records-measure.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRecords } from '../src/records/pipeline.js';
import { createPostgresSink } from '../src/records/sinks/postgres.js';
import type { PostgresCluster } from '../test/helpers/postgres.js';
import { gcLine, trackGc } from './records-gc.js';
import { load, threadCpu } from './records-measure.js';
import { countPostgres } from './records-postgres.js';
import { produce } from './records-synthetic.js';

/** Settings of the runs. */
export interface AloneOptions {
  readonly seconds: number;
  readonly burst: number;
  /** Records per overload run (rate 0). */
  readonly overloadRecords: number;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en');

const base = {
  batchSize: Number(process.env.BATCH ?? 1000),
  flushIntervalMs: 1000,
  maxQueue: 100_000,
  spoolBytes: 2 ** 31,
  onDrop: (_kind: string, dropped: number) => console.log(`  dropped ${dropped}`),
};

/** One run into a fresh records path; prints its line and returns whether the target was met. */
export async function runAlone(
  o: AloneOptions,
  kind: 'SQLite' | 'PostgreSQL',
  rate: number,
  target: number,
  cluster: PostgresCluster | null,
  count: (dir: string) => number,
): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-records-alone-'));
  try {
    const url = cluster === null ? null : await cluster.freshDatabase();
    const perInsert = process.env.PG_ROWS ? { rowsPerInsert: Number(process.env.PG_ROWS) } : {}; // as before
    const sink = url === null ? {} : { sink: await createPostgresSink({ url, ...perInsert }) };
    const records = await startRecords({ ...base, dataDir: dir, ...sink });
    const load0 = load();
    const threads0 = threadCpu();
    // The sink worker's thread is gone after close(): keep its last reading.
    const last = new Map(threads0);
    const poll = setInterval(() => {
      for (const [t, v] of threadCpu()) last.set(t, v);
    }, 100);
    const gc = trackGc();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const p = await produce((r) => records.dns(r), {
      rate,
      seconds: o.seconds,
      burst: o.burst,
      total: o.overloadRecords,
    });
    const s = records.stats().dns;
    await records.close();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    const gcFigures = gc.stop();
    clearInterval(poll);
    for (const [t, v] of threadCpu()) last.set(t, v);
    const threads = [...last]
      .map(([t, v]) => [t, v - (threads0.get(t) ?? 0)] as const)
      .filter(([, sec]) => sec >= 0.05)
      .sort((a, b) => b[1] - a[1]);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const stored = url === null ? count(dir) : await countPostgres(url);
    const diff = stored - p.pushed;
    const keptUp = rate > 0 && seconds - p.seconds <= 0.5;
    const met = diff === 0 && (p.pushed / seconds >= target || (keptUp && rate >= target));
    const lost = diff === 0 ? 'none lost' : diff < 0 ? `${-diff} LOST` : `${diff} DUPLICATED`;
    console.log(
      `  ${kind.padEnd(10)} offered ${(rate === 0 ? 'overload' : `${fmt(rate)}/s`).padStart(9)}: ` +
        `${fmt(p.pushed / seconds).padStart(9)} records/s stored (${fmt(p.pushed)} in, ${fmt(stored)} stored: ${lost}; ` +
        `pushed in ${p.seconds.toFixed(2)} s, all stored after ${seconds.toFixed(2)} s; process CPU ${cpuSeconds.toFixed(1)} s, ` +
        `${((cpuSeconds / p.pushed) * 1e6).toFixed(2)} µs per record)`,
    );
    console.log(
      `  ${''.padEnd(10)} ${rate === 0 ? '' : keptUp ? 'kept up; ' : 'fell behind; '}at push end: queued ${s.queued}, ` +
        `spooled ${s.spooled}, dropped ${s.dropped}, sink errors ${s.sinkErrors}; load ${load0} → ${load()}; ` +
        `target ≥ ${fmt(target)}/s: ${met ? 'met' : 'NOT MET'}`,
    );
    const perRecord = (sec: number): string => `${((sec / p.pushed) * 1e6).toFixed(2)} µs/record`;
    console.log(
      `  ${''.padEnd(10)} by thread: ${threads.map(([t, sec]) => `${t} ${sec.toFixed(2)} s (${perRecord(sec)})`).join(', ')}`,
    );
    console.log(`  ${''.padEnd(10)} ${gcLine(gcFigures)}`);
    return met;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * How long the SQLite retention job and the reports block the main thread (the one that runs the
 * DNS data plane, DESIGN principle 7), run synchronously on it (`createReports`,
 * `sqliteRetentionSteps`) and in the retention worker (retention-client.ts), on the same records:
 * ROWS DNS queries (default 2 million) over 30 days, written by the real sink into a temporary
 * directory and copied, so each path starts from the same database.
 *
 * For each operation: wall-clock time, process CPU time (all threads), the largest event-loop delay
 * (perf_hooks monitorEventLoopDelay) and the time a 1 ms timer probe found the loop blocked in total.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/retention-stall.js [ROWS]
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createDestinationClassifier } from '../src/proxy/destination-class.js';
import { createReports } from '../src/records/report.js';
import { dnsAt } from '../src/records/retention.fixture.js';
import { createRetentionJob, type RetentionSteps, sqliteRetentionSteps } from '../src/records/retention.js';
import { createRetentionWorker } from '../src/records/retention-client.js';
import { openRecordsDb } from '../src/records/retention-db.js';
import { createSqliteSink } from '../src/records/sinks/sqlite.js';

const ROWS = Number(process.argv[2] ?? 2_000_000);
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);
const PREFIXES = ['198.51.100.0/24'];
const classify = createDestinationClassifier(PREFIXES).classify;
const VERDICTS = ['none', 'none', 'none', 'block', 'safe-search', 'allow'] as const;

function fill(path: string): void {
  const sink = createSqliteSink({ path });
  const BATCH = 50_000;
  for (let at = 0; at < ROWS; at += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, ROWS - at) }, (_, k) => {
      const i = at + k;
      const verdict = VERDICTS[i % VERDICTS.length];
      return dnsAt(NOW - 30 * DAY + Math.floor((i / ROWS) * 30 * DAY), {
        isp: `isp-${i % 7}`,
        verdict,
        orderId: verdict === 'none' ? 0 : 1 + (i % 40),
      });
    });
    sink.dns.write(batch);
  }
  sink.close();
}

interface Stall {
  readonly op: string;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxDelayMs: number;
  readonly blockedMs: number;
}

/** Runs `work` while watching the event loop. */
async function watch(op: string, work: () => unknown): Promise<Stall> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let blocked = 0;
  const probe = setInterval(() => {
    const t = performance.now();
    if (t - last > 2) blocked += t - last - 1; // the loop was held: the 1 ms tick came late
    last = t;
  }, 1);
  h.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 5)); // the probe's first tick
  await work();
  await new Promise((r) => setTimeout(r, 5)); // and one after the work
  const wallMs = performance.now() - t0 - 10;
  const cpu = process.cpuUsage(cpu0);
  h.disable();
  clearInterval(probe);
  const ms = (n: number) => Math.round(n * 10) / 10;
  return {
    op,
    wallMs: ms(wallMs),
    cpuMs: ms((cpu.user + cpu.system) / 1000),
    maxDelayMs: ms(h.max / 1e6),
    blockedMs: ms(blocked),
  };
}

/** The operations, in the order the gateway meets them: reports over pending rows, a run, reports. */
async function measure(
  label: string,
  steps: RetentionSteps,
  reports: { orderHits(): unknown; monthlyTotals(): unknown },
  keyDir: string,
): Promise<Stall[]> {
  const job = createRetentionJob({
    steps,
    keyDir,
    retention: { dns: 7 * DAY, flow: 7 * DAY, lease: DAY },
    intervalMs: DAY,
    batchSize: 5000, // records.retention.batchSize default
    classify,
    now: () => NOW,
  });
  const out = [
    await watch(`${label} orderHits (${ROWS} rows pending)`, () => reports.orderHits()),
    await watch(`${label} monthlyTotals (pending)`, () => reports.monthlyTotals()),
    await watch(`${label} retention run (roll-up all, delete 23 days)`, () => job.run()),
    await watch(`${label} orderHits (rolled up)`, () => reports.orderHits()),
  ];
  await job.close();
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-retention-stall-'));
  try {
    const a = join(dir, 'a.db');
    const b = join(dir, 'b.db');
    const t0 = performance.now();
    fill(a);
    copyFileSync(a, b);
    process.stderr.write(`filled ${ROWS} rows in ${Math.round(performance.now() - t0)} ms\n`);

    const db = openRecordsDb(a);
    const sync = await measure(
      'sync  ',
      sqliteRetentionSteps(db),
      createReports(db, classify),
      join(dir, 'keys-a'),
    );
    db.close();

    const worker = createRetentionWorker({
      path: b,
      classifier: {
        module: new URL('../src/proxy/destination-class.js', import.meta.url).href,
        prefixes: PREFIXES,
      },
    });
    await worker.steps.deleteExpired('flow', 0, 1); // starts the worker (no flows: nothing to do)
    const viaWorker = await measure('worker', worker.steps, worker.reports, join(dir, 'keys-b'));
    await worker.close();

    console.table([...sync, ...viaWorker]);
    const load = loadavg().map((n) => n.toFixed(2));
    console.log(`load average ${load.join(' ')}; cpuMs counts every thread of the process`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();

import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GatehouseError, isGatehouseError } from '../core/errors.js';
import { createDestinationClassifier } from '../proxy/destination-class.js';
import { createReports } from './report.js';
import { createRecordsHome, dnsAt, flowAt, type RecordsHome } from './retention.fixture.js';
import { createRetentionJob, type RetentionSteps, sqliteRetentionSteps } from './retention.js';
import { type ClassifierSpec, createRetentionWorker, type RetentionWorker } from './retention-client.js';
import { type Transpiled, transpileRecords } from './transpile.test-helper.js';

const DAY = 86_400_000;
const T0 = 20_000 * DAY;
const PREFIXES = ['198.51.100.0/24'];
const classify = createDestinationClassifier(PREFIXES).classify;

let js: Transpiled;
let spec: ClassifierSpec;
beforeAll(() => {
  js = transpileRecords(['src/proxy/destination-class.ts']); // the worker runs plain JavaScript
  spec = { module: js.url('src/proxy/destination-class.js').href, prefixes: PREFIXES };
});
afterAll(() => js.remove());

/** The same records in two databases: one for the direct (synchronous) path, one for the worker. */
function fill(home: RecordsHome): void {
  home.sink.dns.write(
    Array.from({ length: 60 }, (_, i) =>
      dnsAt(T0 - (i % 12) * DAY + i, {
        isp: i % 3 === 0 ? 'isp-b' : 'isp-a',
        verdict: (['none', 'block', 'safe-search', 'allow'] as const)[i % 4],
        orderId: i % 4 === 0 ? 0 : 7 + (i % 4),
      }),
    ),
  );
  home.sink.flows.write(
    Array.from({ length: 40 }, (_, i) =>
      flowAt(T0 - (i % 6) * DAY + i, {
        listener: (['http', 'tls-sni', 'connect'] as const)[i % 3],
        to: [null, '198.51.100.7', '203.0.113.9', '::ffff:198.51.100.8'][i % 4],
        verdict: i % 5 === 0 ? 'throttle' : 'none',
        orderId: i % 5 === 0 ? 9 : 0,
        throttled: i % 5 === 0,
        up: i,
        down: 10 * i,
      }),
    ),
  );
}

interface Both {
  readonly steps: RetentionSteps;
  readonly reports: {
    orderHits(): unknown;
    monthlyTotals(): unknown;
    trafficReport(from: number, to: number): unknown;
  };
}

/** A result or the catalogue code it failed with. */
const settle = async (f: () => unknown): Promise<unknown> => {
  try {
    return { value: await f() };
  } catch (err) {
    return { code: (err as GatehouseError).code };
  }
};

describe('worker-backed retention steps and reports', () => {
  let direct: RecordsHome;
  let other: RecordsHome;
  let worker: RetentionWorker;
  beforeEach(() => {
    direct = createRecordsHome();
    other = createRecordsHome();
    fill(direct);
    fill(other);
    worker = createRetentionWorker({
      path: join(other.dir, 'records.db'),
      classifier: spec,
      workerUrl: js.url('src/records/retention-worker.js'),
    });
  });
  afterEach(async () => {
    await worker.close();
    direct.cleanup();
    other.cleanup();
  });

  // One sequence, run on both: each step changes what the next one sees.
  const sequence: [string, (b: Both) => unknown][] = [
    ['order hits, nothing rolled up', (b) => b.reports.orderHits()],
    ['monthly totals, nothing rolled up', (b) => b.reports.monthlyTotals()],
    ['traffic report, nothing rolled up', (b) => b.reports.trafficReport(T0 - 30 * DAY, T0 + DAY)],
    ['a partial dns roll-up', (b) => b.steps.rollUp('dns', 7, classify)],
    ['a partial flow roll-up', (b) => b.steps.rollUp('flow', 11, classify)],
    ['order hits, half rolled up', (b) => b.reports.orderHits()],
    ['traffic report, half rolled up', (b) => b.reports.trafficReport(T0 - 3 * DAY, T0)],
    ['deleting rolled-up expired dns', (b) => b.steps.deleteExpired('dns', T0 - 2 * DAY, 3)],
    ['the rest of the dns roll-up', (b) => b.steps.rollUp('dns', 1000, classify)],
    ['the rest of the flow roll-up', (b) => b.steps.rollUp('flow', 1000, classify)],
    ['a roll-up with nothing left', (b) => b.steps.rollUp('flow', 1000, classify)],
    ['deleting expired flows', (b) => b.steps.deleteExpired('flow', T0 - DAY, 1000)],
    ['deleting expired dns', (b) => b.steps.deleteExpired('dns', T0 - 5 * DAY, 1000)],
    ['monthly totals, all rolled up', (b) => b.reports.monthlyTotals()],
    ['order hits, all rolled up', (b) => b.reports.orderHits()],
    ['traffic report, all rolled up', (b) => b.reports.trafficReport(T0 - 30 * DAY, T0 + DAY)],
    ['an empty traffic range', (b) => b.reports.trafficReport(T0, T0)],
    ['a malformed traffic range', (b) => b.reports.trafficReport(Number.NaN, T0)],
  ];

  it('answer exactly as the direct ones on the same records, step by step', async () => {
    const sync: Both = {
      steps: sqliteRetentionSteps(direct.db),
      reports: createReports(direct.db, classify),
    };
    const seen = new Map<string, unknown>();
    for (const [name, op] of sequence) {
      const want = await settle(() => op(sync));
      expect({ name, got: await settle(() => op(worker)) }).toEqual({ name, got: want });
      seen.set(name, want);
    }
    // The sequence exercised what it says it did.
    expect(seen.get('a partial dns roll-up')).toEqual({ value: 7 });
    expect(seen.get('a roll-up with nothing left')).toEqual({ value: 0 });
    expect(seen.get('deleting rolled-up expired dns')).toEqual({ value: 3 });
    expect(seen.get('a malformed traffic range')).toEqual({ code: 'GH_ERR_RECORDS_REPORT' });
    expect((seen.get('order hits, all rolled up') as { value: Map<number, unknown> }).value.size).toBe(2); // orders 8 and 9 (10 is an allow)
    const dump = (h: RecordsHome) => ({
      aggregates: h.db
        .prepare(
          'SELECT * FROM record_aggregates ORDER BY day, kind, channel, isp, direction, verdict, order_id, throttled',
        )
        .all(),
      marks: h.db.prepare('SELECT * FROM record_aggregate_marks ORDER BY kind').all(),
      dns: h.db.prepare('SELECT id FROM dns_queries ORDER BY id').pluck().all(),
      flows: h.db.prepare('SELECT id FROM flows ORDER BY id').pluck().all(),
    });
    expect(dump(other)).toEqual(dump(direct));
  });

  it('run the whole retention job to the same result', async () => {
    const periods = { dns: 4 * DAY, flow: 2 * DAY, lease: DAY };
    const base = { retention: periods, intervalMs: DAY, batchSize: 9, classify, now: () => T0 };
    const a = await createRetentionJob({ ...base, db: direct.db, keyDir: direct.keyDir }).run();
    const b = await createRetentionJob({ ...base, steps: worker.steps, keyDir: other.keyDir }).run();
    expect(b).toEqual(a);
    expect(a.aggregated).toEqual({ dns: 60, flow: 40 });
  });
});

describe('a failing retention worker', () => {
  let home: RecordsHome;
  beforeEach(() => {
    home = createRecordsHome();
  });
  afterEach(() => home.cleanup());

  it.each([
    ['a database file that is not a database', 'garbage'],
    ['a database path under a plain file', 'under-file'],
  ] as const)(
    '%s: every call rejects with GH_ERR_RECORDS_SINK, and the next one retries',
    async (_n, how) => {
      const path = how === 'garbage' ? join(home.dir, 'corrupt.db') : join(home.dir, 'plain', 'records.db');
      writeFileSync(
        how === 'garbage' ? path : join(home.dir, 'plain'),
        'this is not a database, at all.'.repeat(40),
      );
      const failures: GatehouseError[] = [];
      const worker = createRetentionWorker({
        path,
        classifier: spec,
        workerUrl: js.url('src/records/retention-worker.js'),
        onFailure: (err) => failures.push(err),
      });
      for (const call of [() => worker.steps.rollUp('dns', 10, classify), () => worker.reports.orderHits()]) {
        await expect(call()).rejects.toSatisfy((e) => isGatehouseError(e, 'GH_ERR_RECORDS_SINK'));
      }
      expect(failures.map((e) => e.code)).toEqual(['GH_ERR_RECORDS_SINK', 'GH_ERR_RECORDS_SINK']);
      rmSync(how === 'garbage' ? path : join(home.dir, 'plain'), { force: true }); // repaired
      expect(await worker.reports.orderHits()).toEqual(new Map());
      await worker.close();
    },
  );

  it('is retried by the retention job at its next interval, without harm to this thread', async () => {
    const path = join(home.dir, 'corrupt.db');
    writeFileSync(path, 'not a database'.repeat(100));
    const worker = createRetentionWorker({
      path,
      classifier: spec,
      workerUrl: js.url('src/records/retention-worker.js'),
    });
    const errors: unknown[] = [];
    const ok = new Promise<number>((resolve) => {
      const job = createRetentionJob({
        steps: worker.steps,
        keyDir: home.keyDir,
        retention: { dns: DAY, flow: DAY, lease: DAY },
        intervalMs: 20,
        batchSize: 10,
        classify,
        onError: (err) => {
          errors.push(err);
          if (errors.length === 2) rmSync(path, { force: true }); // repaired after two failed runs
        },
        onRun: () => {
          void job.close().then(() => resolve(errors.length));
        },
      });
      job.start();
    });
    expect(await ok).toBe(2);
    expect(errors.every((e) => isGatehouseError(e, 'GH_ERR_RECORDS_SINK'))).toBe(true);
    await worker.close();
  });

  it('rejects the calls in flight when the worker dies, and starts a fresh one at the next call', async () => {
    // A worker that dies at its first request once, then behaves as the real one.
    const marker = join(home.dir, 'crashed');
    const crashUrl = js.url('src/records/crash-once.js');
    writeFileSync(
      crashUrl,
      [
        "import { existsSync, writeFileSync } from 'node:fs';",
        "import { parentPort } from 'node:worker_threads';",
        `const marker = ${JSON.stringify(marker)};`,
        'if (existsSync(marker)) await import("./retention-worker.js");',
        'else {',
        '  parentPort.postMessage({ id: 0, ok: true });',
        "  parentPort.on('message', () => { writeFileSync(marker, ''); process.exit(3); });",
        '}',
      ].join('\n'),
    );
    const failures: GatehouseError[] = [];
    const worker = createRetentionWorker({
      path: join(home.dir, 'records.db'),
      classifier: spec,
      workerUrl: crashUrl,
      onFailure: (err) => failures.push(err),
    });
    home.sink.dns.write([dnsAt(T0, { verdict: 'block', orderId: 7 })]);
    await expect(worker.reports.monthlyTotals()).rejects.toSatisfy((e) =>
      isGatehouseError(e, 'GH_ERR_RECORDS_SINK'),
    );
    expect(existsSync(marker)).toBe(true);
    expect(failures).toHaveLength(1);
    expect(await worker.reports.orderHits()).toEqual(
      new Map([[7, { dns: 1, http: 0, tls: 0, throttled: 0 }]]),
    );
    await worker.close();
    await expect(worker.reports.orderHits()).rejects.toSatisfy((e) =>
      isGatehouseError(e, 'GH_ERR_RECORDS_SINK'),
    );
  });
});

/**
 * Retention, daily aggregates and reports on PostgreSQL give what SQLite gives on the same records
 * (SQLite is the reference: its semantics are tested in retention.test.ts and report.test.ts), and
 * roll-ups stay exact while several nodes write.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type PostgresCluster, postgresSkipReason, startPostgres } from '../../test/helpers/postgres.js';
import { rollUpStep } from './aggregate.js';
import { openPostgresRecords, type PostgresRecords } from './postgres-records.js';
import { createReports } from './report.js';
import { classify, createRecordsHome, type RecordsHome } from './retention.fixture.js';
import { createRetentionJob, type RetentionPeriods } from './retention.js';
import { createPostgresSink, type PostgresSink } from './sinks/postgres.js';
import { dnsRecordAt, flowRecordAt } from './sinks/records.fixture.js';

const skip = postgresSkipReason();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 28, 20); // spans a month end in UTC
const periods: RetentionPeriods = { dns: 3 * DAY, flow: 2 * DAY, lease: DAY };
// Records 2 h apart across ~5 days, flows 3 h apart: several days, months, verdicts, orders, directions.
const dns = Array.from({ length: 60 }, (_, i) => ({ ...dnsRecordAt(i), time: T0 + i * 2 * HOUR }));
const flows = Array.from({ length: 40 }, (_, i) => ({
  ...flowRecordAt(i),
  start: T0 + i * 3 * HOUR,
  end: T0 + i * 3 * HOUR + 1000,
  destinationAddress: i % 5 === 0 ? null : i % 2 === 0 ? '198.51.100.7' : '203.0.113.9',
}));

let cluster: PostgresCluster;
let home: RecordsHome;
let url: string;
let sink: PostgresSink;
let records: PostgresRecords;

describe.skipIf(skip !== undefined)(skip ? `postgres records (skipped: ${skip})` : 'postgres records', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  beforeEach(async () => {
    url = await cluster.freshDatabase();
    sink = await createPostgresSink({ url });
    records = openPostgresRecords(url, classify);
    home = createRecordsHome();
    home.sink.dns.write(dns);
    home.sink.flows.write(flows);
    await sink.dns.write(dns);
    await sink.flows.write(flows);
    return async () => {
      await records.close();
      await sink.close();
      home.cleanup();
    };
  });

  const bothReports = async () => {
    const lite = createReports(home.db, classify);
    const range: [number, number] = [T0 - DAY, T0 + 6 * DAY];
    return {
      sqlite: {
        hits: Object.fromEntries(lite.orderHits()),
        monthly: lite.monthlyTotals(),
        traffic: lite.trafficReport(...range),
      },
      postgres: {
        hits: Object.fromEntries(await records.reports.orderHits()),
        monthly: await records.reports.monthlyTotals(),
        traffic: await records.reports.trafficReport(...range),
      },
    };
  };

  it.each([
    ['nothing rolled up', 0],
    ['partly rolled up', 7],
    ['all rolled up', 1000],
  ])('reports equal SQLite’s with %s', async (_name, batch) => {
    for (const kind of ['dns', 'flow'] as const) {
      if (batch === 0) continue;
      rollUpStep(home.db, kind, batch, classify);
      await records.steps.rollUp(kind, batch, classify);
    }
    const r = await bothReports();
    expect(r.postgres).toEqual(r.sqlite);
    expect(r.sqlite.monthly.map((m) => m.month)).toEqual(['2026-01', '2026-02']);
  });

  it('a retention run rolls up and deletes what SQLite’s does, and the reports still agree', async () => {
    const now = T0 + 5 * DAY;
    const base = { retention: periods, intervalMs: HOUR, batchSize: 9, classify, now: () => now };
    const keyDir = mkdtempSync(join(tmpdir(), 'gh-keys-'));
    try {
      const lite = await createRetentionJob({ ...base, db: home.db, keyDir }).run();
      const pgRun = await createRetentionJob({ ...base, steps: records.steps, keyDir }).run();
      expect(pgRun.aggregated).toEqual(lite.aggregated);
      expect(pgRun.deleted).toEqual(lite.deleted);
      expect(pgRun.deleted.dns).toBeGreaterThan(0);
      expect(await sink.count()).toEqual(home.sink.count());
      const r = await bothReports();
      expect(r.postgres).toEqual(r.sqlite);
    } finally {
      rmSync(keyDir, { recursive: true, force: true });
    }
  });

  it('counts every record exactly once while two nodes write and two roll up', async () => {
    const other = await createPostgresSink({ url });
    const second = openPostgresRecords(url, classify);
    try {
      let writing = true;
      const writer = async (s: PostgresSink, offset: number) => {
        for (let b = 0; b < 30; b++) {
          await s.dns.write(Array.from({ length: 50 }, (_, i) => dnsRecordAt(offset + b * 50 + i, T0)));
        }
      };
      const rollUps = [records, second].map(async (r) => {
        while (writing) await r.steps.rollUp('dns', 40, classify);
      });
      await Promise.all([writer(sink, 0), writer(other, 10_000)]);
      writing = false;
      await Promise.all(rollUps);
      while ((await records.steps.rollUp('dns', 500, classify)) > 0);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query("SELECT SUM(count) AS n FROM record_aggregates WHERE kind = 'dns'");
      await client.end();
      expect(Number(rows[0].n)).toBe(dns.length + 2 * 30 * 50);
    } finally {
      await second.close();
      await other.close();
    }
  });
});

/**
 * The warrant's scoped query on PostgreSQL records finds exactly what it finds on SQLite records:
 * the same target and window semantics (SQLite's are tested through service.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresCluster, postgresSkipReason, startPostgres } from '../../test/helpers/postgres.js';
import { createPostgresSink } from '../records/sinks/postgres.js';
import { dnsRecordAt, flowRecordAt } from '../records/sinks/records.fixture.js';
import { createSqliteSink, recordsDbPath } from '../records/sinks/sqlite.js';
import { queryScopedRecords, type RecordsScope } from './records.js';
import type { WarrantTarget } from './types.js';

const skip = postgresSkipReason();
const T0 = 1_700_000_000_000;
const dns = Array.from({ length: 200 }, (_, i) => ({
  ...dnsRecordAt(i, T0),
  // names with an underscore and a lookalike: `_` must not act as LIKE's wildcard
  qname: i % 10 === 0 ? '_dmarc.mail.example' : i % 10 === 1 ? 'xdmarc.mail.example' : dnsRecordAt(i).qname,
}));
const flows = Array.from({ length: 60 }, (_, i) => flowRecordAt(i, T0));

let cluster: PostgresCluster;
let dir: string;
let sqlite: RecordsScope;
let postgres: RecordsScope;

const cases: [string, WarrantTarget, number, number][] = [
  ['a destination and names below it', { kind: 'destination', name: 'mail.example' }, T0, T0 + 150],
  [
    'a name with an underscore, literally',
    { kind: 'destination', name: '_dmarc.mail.example' },
    T0,
    T0 + 200,
  ],
  ['a flow destination', { kind: 'destination', name: 'site3.example' }, T0, T0 + 1000],
  ['an address at a time', { kind: 'address', address: '10.0.0.4' }, T0, T0 + 10],
  ['a pseudonym', { kind: 'pseudonym', pseudonym: 'p5' }, T0, T0 + 1000],
  ['flows that ended by the end of the window only', { kind: 'pseudonym', pseudonym: 'p5' }, T0, T0 + 254],
  ['an empty window', { kind: 'destination', name: 'mail.example' }, T0 + 5000, T0 + 6000],
];

describe.skipIf(skip !== undefined)(
  skip ? `warrant query on postgres (skipped: ${skip})` : 'warrant query on postgres',
  () => {
    beforeAll(async () => {
      cluster = await startPostgres();
      dir = mkdtempSync(join(tmpdir(), 'gh-warrant-pg-'));
      const url = await cluster.freshDatabase();
      const lite = createSqliteSink({ path: recordsDbPath(dir) });
      lite.dns.write(dns);
      lite.flows.write(flows);
      lite.close();
      const sink = await createPostgresSink({ url });
      await sink.dns.write(dns);
      await sink.flows.write(flows);
      await sink.close();
      const base = { keyDir: join(dir, 'keys'), epochMs: 86_400_000, maxResults: 50 };
      sqlite = { ...base, dbPath: recordsDbPath(dir) };
      postgres = { ...base, dbPath: '/nonexistent', url };
    });
    afterAll(async () => {
      await cluster?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it.each(cases)('finds the same for %s', async (_name, target, from, to) => {
      const want = await queryScopedRecords(target, from, to, sqlite);
      const got = await queryScopedRecords(target, from, to, postgres);
      expect(got).toEqual(want);
      if (from === T0 + 5000) expect(got.records).toEqual([]);
      else expect(got.records.length).toBeGreaterThan(0);
    });

    it('cuts at maxResults and says so, as on SQLite', async () => {
      const target: WarrantTarget = { kind: 'destination', name: 'example.com' };
      const got = await queryScopedRecords(target, T0, T0 + 200, { ...postgres, maxResults: 5 });
      expect(got.truncated).toBe(true);
      expect(got).toEqual(await queryScopedRecords(target, T0, T0 + 200, { ...sqlite, maxResults: 5 }));
    });

    it('an empty database has no records; an unreachable one is GH_ERR_WARRANT_RECORDS', async () => {
      const empty = { ...postgres, url: await cluster.freshDatabase() };
      const target: WarrantTarget = { kind: 'address', address: '10.0.0.4' };
      expect((await queryScopedRecords(target, T0, T0 + 10, empty)).records).toEqual([]);
      const closed = { ...postgres, url: 'postgres://postgres@127.0.0.1:1/none' };
      await expect(queryScopedRecords(target, T0, T0 + 10, closed)).rejects.toMatchObject({
        code: 'GH_ERR_WARRANT_RECORDS',
      });
    });
  },
);

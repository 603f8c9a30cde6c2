import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type PostgresCluster, postgresSkipReason, startPostgres } from '../../../test/helpers/postgres.js';
import { isGatehouseError } from '../../core/errors.js';
import { createBatcher } from '../batcher.js';
import { createPostgresSink, type PostgresSink, unnestInsertSql } from './postgres.js';
import { dnsRecordAt, flowRecordAt } from './records.fixture.js';

const skip = postgresSkipReason();
const T0 = 1_700_000_000_000;
const dns = (n: number) => Array.from({ length: n }, (_, i) => dnsRecordAt(i, T0));

test('the insert unnests one typed array per column', () => {
  expect(unnestInsertSql('flows')).toMatch(
    /^INSERT INTO flows \(start_ms, end_ms, .*, ech\) SELECT \* FROM unnest\(\$1::bigint\[\], .*\$15::smallint\[\]\) WHERE pg_advisory_xact_lock_shared\(\d+\) IS NOT NULL$/,
  );
});

describe.skipIf(skip !== undefined)(
  skip ? `the postgres sink (skipped: ${skip})` : 'the postgres sink',
  () => {
    let cluster: PostgresCluster;
    let sink: PostgresSink;
    beforeAll(async () => {
      cluster = await startPostgres();
    });
    afterAll(async () => {
      await cluster?.stop();
    });
    beforeEach(async () => {
      sink = await createPostgresSink({ url: await cluster.freshDatabase(), rowsPerInsert: 100 });
    });
    afterEach(async () => {
      await sink.close();
    });

    test.each([1, 99, 100, 101, 250])('a batch of %i DNS records round-trips field for field', async (n) => {
      await sink.dns.write(dns(n));
      expect(await sink.query({ from: T0, to: T0 + n, limit: n + 10 })).toEqual(dns(n));
    });

    test('flows round-trip field for field', async () => {
      const flows = Array.from({ length: 130 }, (_, i) => flowRecordAt(i, T0));
      await sink.flows.write(flows);
      expect(await sink.queryFlows({ from: T0, to: T0 + 1000, limit: 1000 })).toEqual(flows);
      expect(await sink.count()).toEqual({ dnsQueries: 0, flows: 130 });
    });

    test('text with quotes, backslashes, braces and commas survives the arrays', async () => {
      const odd = ['a"b', 'c\\d', '{e,f}', 'NULL', '', 'ü 名前'];
      const records = odd.map((qname, i) => ({ ...dnsRecordAt(i, T0), qname }));
      await sink.dns.write(records);
      expect((await sink.query({ from: T0, to: T0 + 10, limit: 10 })).map((r) => r.qname)).toEqual(odd);
    });

    test.each([
      { q: { from: T0 + 10, to: T0 + 20, limit: 100 }, want: dns(300).slice(10, 20) },
      { q: { from: T0, to: T0 + 300, limit: 5 }, want: dns(5) },
      {
        q: { from: T0, to: T0 + 300, limit: 100, qname: 'host7.example.com' },
        want: [7, 107, 207].map((i) => dnsRecordAt(i, T0)),
      },
      { q: { from: T0, to: T0 + 300, limit: 100, clientAddress: '10.0.0.4' }, want: [dnsRecordAt(4, T0)] },
      {
        q: { from: T0, to: T0 + 300, limit: 100, qname: 'host7.example.com', clientAddress: '10.0.0.4' },
        want: [],
      },
    ])('query $q selects by time range, filters and limit', async ({ q, want }) => {
      await sink.dns.write(dns(300));
      expect(await sink.query(q)).toEqual(want);
    });

    test('100,000 records through the batcher: count in = count stored', async () => {
      const fast = await createPostgresSink({ url: await cluster.freshDatabase() });
      const batcher = createBatcher({
        maxQueue: 20_000,
        batchSize: 5000,
        flushIntervalMs: 1000,
        sink: fast.dns,
      });
      const t = performance.now();
      for (let i = 0; i < 100_000; i++) {
        batcher.push(dnsRecordAt(i, T0));
        // Traffic arrives over turns of the loop; the writes are asynchronous, so the producer is paced
        // to keep the ring under half full (this test is about losing nothing, not about overload).
        while (i % 5000 === 4999 && batcher.stats().queued >= 10_000)
          await new Promise((r) => setTimeout(r, 1));
      }
      await batcher.close();
      const ms = performance.now() - t;
      expect(batcher.stats()).toMatchObject({ pushed: 100_000, written: 100_000, dropped: 0 });
      expect((await fast.count()).dnsQueries).toBe(100_000);
      console.log(
        `postgres sink: 100,000 records in ${ms.toFixed(0)} ms (${Math.round(1e8 / ms)} records/s)`,
      );
      await fast.close();
    });

    test.each([50, 150])(
      'a failed batch of %i leaves nothing behind (one statement or one transaction)',
      async (n) => {
        const bad = [...dns(n - 1), { ...dnsRecordAt(n - 1, T0), qname: null as unknown as string }];
        await expect(sink.dns.write(bad)).rejects.toSatisfy((e) =>
          isGatehouseError(e, 'GH_ERR_RECORDS_SINK'),
        );
        expect((await sink.count()).dnsQueries).toBe(0);
      },
    );

    test('two sinks opening one database at once both create-or-find the tables', async () => {
      const url = await cluster.freshDatabase();
      const both = await Promise.all([createPostgresSink({ url }), createPostgresSink({ url })]);
      await both[0].dns.write(dns(3));
      expect((await both[1].count()).dnsQueries).toBe(3);
      await Promise.all(both.map((s) => s.close()));
    });

    test('an unreachable server fails with GH_ERR_RECORDS_SINK, without the password', async () => {
      const error = await createPostgresSink({ url: 'postgres://u:s3cret@127.0.0.1:1/records' }).catch(
        (e: unknown) => e,
      );
      expect(isGatehouseError(error, 'GH_ERR_RECORDS_SINK')).toBe(true);
      expect((error as Error).message).not.toContain('s3cret');
    });
  },
);

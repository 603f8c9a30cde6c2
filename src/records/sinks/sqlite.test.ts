import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { isGatehouseError } from '../../core/errors.js';
import { createBatcher } from '../batcher.js';
import { packDns } from './chunk.js';
import { dnsRecordAt, flowRecordAt } from './records.fixture.js';
import { createSqliteSink, recordsDbPath, type SqliteSink } from './sqlite.js';

let dir: string;
let sink: SqliteSink;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-records-'));
  sink = createSqliteSink({ path: recordsDbPath(dir) });
});
afterEach(() => {
  sink.close();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = 1_700_000_000_000;
const dns = (n: number) => Array.from({ length: n }, (_, i) => dnsRecordAt(i, T0));

describe('the sqlite sink', () => {
  test.each([1, 99, 100, 101, 250])('a batch of %i DNS records round-trips field for field', (n) => {
    sink.dns.write(dns(n));
    expect(sink.query({ from: T0, to: T0 + n, limit: n + 10 })).toEqual(dns(n));
  });

  test('writeChunks calls `between` after each multi-row INSERT (the sink thread yields there)', () => {
    const calls: number[] = [];
    sink.writeChunks([packDns(dns(1_050))], () => calls.push(sink.count().dnsQueries));
    // 10 statements of 100 rows, then 50 single rows; inside the transaction, so a reader of the
    // same connection already sees each statement's rows when `between` runs.
    expect(calls).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1_000]);
    expect(sink.count().dnsQueries).toBe(1_050);
    sink.writeChunks([packDns(dns(300))]);
    expect(calls.length).toBe(10);
  });

  test('flows round-trip field for field', () => {
    const flows = Array.from({ length: 130 }, (_, i) => flowRecordAt(i, T0));
    sink.flows.write(flows);
    expect(sink.queryFlows({ from: T0, to: T0 + 1000, limit: 1000 })).toEqual(flows);
    expect(sink.count()).toEqual({ dnsQueries: 0, flows: 130 });
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
  ])('query $q selects by time range, filters and limit', ({ q, want }) => {
    sink.dns.write(dns(300));
    expect(sink.query(q)).toEqual(want);
  });

  test('100,000 records through the batcher: count in = count stored', async () => {
    const batcher = createBatcher({
      maxQueue: 20_000,
      batchSize: 5000,
      flushIntervalMs: 1000,
      sink: sink.dns,
    });
    for (let i = 0; i < 100_000; i++) {
      batcher.push(dnsRecordAt(i, T0));
      if (i % 5000 === 4999) await new Promise((r) => setImmediate(r)); // traffic arrives over turns of the loop
    }
    await batcher.close();
    expect(batcher.stats()).toMatchObject({ pushed: 100_000, written: 100_000, dropped: 0 });
    expect(sink.count().dnsQueries).toBe(100_000);
  });

  test('a failed batch leaves nothing behind (one transaction)', () => {
    const bad = [...dns(150), { ...dnsRecordAt(150, T0), qname: null as unknown as string }];
    expect(() => sink.dns.write(bad)).toThrow();
    expect(sink.count().dnsQueries).toBe(0);
  });

  test('an unusable path fails with GH_ERR_RECORDS_SINK', () => {
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => createSqliteSink({ path: join(dir, 'file', 'records.db') })).toThrow(
      expect.toSatisfy((e) => isGatehouseError(e, 'GH_ERR_RECORDS_SINK')),
    );
  });
});

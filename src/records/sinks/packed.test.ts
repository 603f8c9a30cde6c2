import { describe, expect, test } from 'vitest';
import { packDns, packFlows } from './chunk.js';
import { packedRows } from './packed.js';
import { dnsRecordAt, flowRecordAt } from './records.fixture.js';
import { DNS_COLUMNS, FLOW_COLUMNS, putDnsRow, putFlowRow, type SqlValue } from './sql.js';

/** Rows as the SQLite binder would see them, from a packed batch. */
function unpacked(rows: ReturnType<typeof packedRows>, width: number): SqlValue[][] {
  return Array.from({ length: rows.length }, (_, i) => {
    const out = new Array<SqlValue>(width).fill(null);
    rows.put(i, out, 0);
    return out;
  });
}

/** Rows as `putDnsRow`/`putFlowRow` write them straight from the records. */
function direct<T>(batch: readonly T[], put: (r: T, out: SqlValue[], at: number) => void, width: number) {
  return batch.map((r) => {
    const out = new Array<SqlValue>(width).fill(null);
    put(r, out, 0);
    return out;
  });
}

describe('packed batches bind exactly what the records hold', () => {
  test.each([0, 1, 13, 500])('%d DNS records (every column, nulls included)', (n) => {
    const batch = Array.from({ length: n }, (_, i) => dnsRecordAt(i));
    const packed = structuredClone(packDns(batch)); // as the worker receives it
    expect(unpacked(packedRows(packed), DNS_COLUMNS.length)).toEqual(
      direct(batch, putDnsRow, DNS_COLUMNS.length),
    );
  });

  test.each([1, 97])('%d flow records', (n) => {
    const batch = Array.from({ length: n }, (_, i) => flowRecordAt(i));
    const packed = structuredClone(packFlows(batch));
    expect(unpacked(packedRows(packed), FLOW_COLUMNS.length)).toEqual(
      direct(batch, putFlowRow, FLOW_COLUMNS.length),
    );
  });

  test('a low-cardinality string repeated in a run travels once', () => {
    const batch = Array.from({ length: 100 }, (_, i) => ({
      ...dnsRecordAt(i),
      transport: 'udp' as const,
      isp: 'isp-a',
    }));
    const strings = packDns(batch).strings;
    expect(strings.filter((s) => s === 'udp')).toHaveLength(1);
    expect(strings.filter((s) => s === 'isp-a')).toHaveLength(1);
  });
});

import { describe, expect, test } from 'vitest';
import type { DnsQueryRecord, FlowRecord } from '../types.js';
import {
  chunkRowCount,
  chunkRows,
  dnsChunker,
  flowChunker,
  mergeChunks,
  unpackDnsChunks,
  unpackFlowChunks,
} from './chunk.js';
import type { PackedBatch, RowSource } from './packed.js';
import { dnsRecordAt, flowRecordAt } from './records.fixture.js';
import { DNS_COLUMNS, FLOW_COLUMNS, putDnsRow, putFlowRow, type SqlValue } from './sql.js';

/** Packs `records` with a chunker of `rows` rows: the full chunks `add` handed back, then the partial one. */
function pack<T>(chunker: { add(r: T): PackedBatch | null; seal(): PackedBatch | null }, records: T[]) {
  const out: PackedBatch[] = [];
  for (const r of records) {
    const c = chunker.add(r);
    if (c !== null) out.push(c);
  }
  const last = chunker.seal();
  if (last !== null) out.push(last);
  return out;
}

const bound = (rows: RowSource, width: number): SqlValue[][] =>
  Array.from({ length: rows.length }, (_, i) => {
    const out = new Array<SqlValue>(width).fill(null);
    rows.put(i, out, 0);
    return out;
  });

const direct = <T>(records: T[], put: (r: T, out: SqlValue[], at: number) => void, width: number) =>
  records.map((r) => {
    const out = new Array<SqlValue>(width).fill(null);
    put(r, out, 0);
    return out;
  });

describe('chunks packed at push bind exactly what the records hold', () => {
  test.each([
    { n: 0, rows: 4, chunks: 0 },
    { n: 1, rows: 4, chunks: 1 },
    { n: 4, rows: 4, chunks: 1 },
    { n: 13, rows: 4, chunks: 4 },
    { n: 1500, rows: 512, chunks: 3 },
  ])('$n DNS records in chunks of $rows', ({ n, rows, chunks }) => {
    const records = Array.from({ length: n }, (_, i) => dnsRecordAt(i));
    const packed = pack(dnsChunker(rows), records).map((c) => structuredClone(c)); // as the worker gets them
    expect(packed).toHaveLength(chunks);
    expect(chunkRowCount(packed)).toBe(n);
    expect(bound(chunkRows(packed), DNS_COLUMNS.length)).toEqual(
      direct(records, putDnsRow, DNS_COLUMNS.length),
    );
    expect(unpackDnsChunks(packed)).toEqual(records);
  });

  test.each([1, 97])('%d flow records', (n) => {
    const records = Array.from({ length: n }, (_, i) => flowRecordAt(i));
    const packed = pack(flowChunker(10), records);
    expect(bound(chunkRows(packed), FLOW_COLUMNS.length)).toEqual(
      direct(records, putFlowRow, FLOW_COLUMNS.length),
    );
    expect(unpackFlowChunks(packed)).toEqual(records);
  });

  test('a chunk handed back is not touched by later pushes', () => {
    const chunker = dnsChunker(2);
    expect(chunker.add(dnsRecordAt(0))).toBeNull();
    const first = chunker.add(dnsRecordAt(1)) as PackedBatch;
    const copy = structuredClone(first);
    for (let i = 2; i < 7; i++) chunker.add(dnsRecordAt(i));
    expect(chunker.pending).toBe(1);
    expect(first).toEqual(copy);
  });

  test('low-cardinality strings travel once per chunk, whatever the order of the rows', () => {
    const records: DnsQueryRecord[] = Array.from({ length: 100 }, (_, i) => ({
      ...dnsRecordAt(i),
      transport: (['udp', 'tcp', 'dot'] as const)[i % 3] ?? 'udp',
      isp: `isp-${i % 4}`,
    }));
    const [chunk] = pack(dnsChunker(100), records);
    const strings = chunk?.strings ?? [];
    for (const s of ['udp', 'tcp', 'dot', 'isp-0', 'isp-3', 'block', 'none'])
      expect(strings.filter((x) => x === s)).toHaveLength(1);
    expect(unpackDnsChunks(chunk ? [chunk] : [])).toEqual(records);
  });
});

describe('mergeChunks', () => {
  test.each([
    { kind: 'dns', n: 1037, rows: 100 },
    { kind: 'dns', n: 3, rows: 512 },
    { kind: 'flows', n: 250, rows: 64 },
  ])('$n $kind records in chunks of $rows merge into one chunk of the same rows', ({ kind, n, rows }) => {
    if (kind === 'dns') {
      const records = Array.from({ length: n }, (_, i) => dnsRecordAt(i));
      const merged = mergeChunks(pack(dnsChunker(rows), records));
      expect(merged.rows).toBe(n);
      expect(unpackDnsChunks([merged])).toEqual(records);
    } else {
      const records: FlowRecord[] = Array.from({ length: n }, (_, i) => flowRecordAt(i));
      const merged = mergeChunks(pack(flowChunker(rows), records));
      expect(merged.table).toBe('flows');
      expect(unpackFlowChunks([merged])).toEqual(records);
    }
  });
});

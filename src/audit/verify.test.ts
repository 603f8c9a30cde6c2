import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashAuditRecord } from './hash.js';
import type { AuditRecord } from './types.js';
import { type FindSuccessor, verifyChain } from './verify.js';

function chain(length: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let seq = 1; seq <= length; seq++) {
    const prev = out.at(-1)?.hash ?? GENESIS_HASH;
    const record = {
      seq,
      time: 1000 + seq,
      actor: 'a',
      action: 'x.y',
      object: `o/${seq}`,
      details: '{}',
      prev,
    };
    out.push({ ...record, hash: hashAuditRecord(record) });
  }
  return out;
}

const rehash = (r: Omit<AuditRecord, 'hash'>): AuditRecord => ({ ...r, hash: hashAuditRecord(r) });
/** The store's lookup, over an array. */
const finder =
  (rows: AuditRecord[]): FindSuccessor =>
  async (hash, notSeq) =>
    rows.find((r) => r.prev === hash && r.seq !== notSeq)?.seq;
/** Pages of `size`, sorted by seq as the store reads them. */
function pages(rows: AuditRecord[], size: number): AuditRecord[][] {
  const sorted = [...rows].sort((x, y) => x.seq - y.seq);
  const out: AuditRecord[][] = [];
  for (let i = 0; i < sorted.length; i += size) out.push(sorted.slice(i, i + size));
  return out;
}

const TAMPERING: [string, (rows: AuditRecord[]) => void, object][] = [
  ['contents changed', (r) => (r[4] = { ...r[4], object: 'o/x' }), { seq: 5, problem: 'modified' }],
  [
    'contents changed, hash recomputed',
    (r) => (r[4] = rehash({ ...r[4], object: 'o/x' })),
    {
      seq: 5,
      problem: 'modified',
      expected: chain(5)[4].hash,
    },
  ],
  ['the last entry changed', (r) => (r[7] = { ...r[7], actor: 'b' }), { seq: 8, problem: 'modified' }],
  ['an entry deleted', (r) => r.splice(4, 1), { seq: 5, problem: 'missing', found: 'seq 6' }],
  ['three entries deleted', (r) => r.splice(2, 3), { seq: 3, problem: 'missing', found: 'seq 6' }],
  [
    'a forged entry appended',
    (r) => r.push(rehash({ ...r[7], seq: 9, prev: r[5].hash })),
    {
      seq: 9,
      problem: 'inserted',
      expected: chain(8)[7].hash,
    },
  ],
  [
    'entry 1 unlinked from genesis',
    (r) => (r[0] = rehash({ ...r[0], prev: '1'.repeat(64) })),
    {
      seq: 1,
      problem: 'broken-link',
    },
  ],
  [
    'two entries swapped',
    (r) => {
      [r[2], r[6]] = [
        { ...r[6], seq: 3 },
        { ...r[2], seq: 7 },
      ];
    },
    { seq: 3, problem: 'reordered', found: 'seq 7' },
  ],
  ['a link edited', (r) => (r[5] = { ...r[5], prev: 'f'.repeat(64) }), { seq: 6, problem: 'broken-link' }],
  ['an entry at seq 0', (r) => r.unshift(rehash({ ...r[0], seq: 0 })), { seq: 0, problem: 'inserted' }],
];

describe('verifyChain', () => {
  it.each([0, 1, 8])('accepts an intact chain of %i, in pages of any size', async (length) => {
    for (const size of [1, 3, 100]) {
      const rows = chain(length);
      const head = { seq: length, hash: rows.at(-1)?.hash ?? GENESIS_HASH, time: rows.at(-1)?.time ?? 0 };
      expect(await verifyChain(pages(rows, size))).toEqual({ ok: true, entries: length, head });
    }
  });

  it.each(TAMPERING)('finds %s at the exact entry', async (_, tamper, expected) => {
    for (const size of [1, 2, 3, 100]) {
      const rows = chain(8);
      tamper(rows);
      const result = await verifyChain(pages(rows, size), { findSuccessor: finder(rows) });
      expect(result).toMatchObject({ ok: false, ...expected });
    }
  });

  it('calls a reordering a broken link when it cannot look elsewhere', async () => {
    const rows = chain(8);
    [rows[2], rows[6]] = [
      { ...rows[6], seq: 3 },
      { ...rows[2], seq: 7 },
    ];
    expect(await verifyChain(pages(rows, 4))).toMatchObject({ ok: false, seq: 3, problem: 'broken-link' });
  });

  it('holds the chain to a trusted head: truncated, rewritten, or grown since', async () => {
    const rows = chain(8);
    const trusted = { seq: 8, hash: rows[7].hash };
    const short = rows.slice(0, 6);
    expect(await verifyChain([short], { trusted })).toMatchObject({ ok: false, seq: 7, problem: 'missing' });
    expect(await verifyChain([rows], { trusted: { seq: 4, hash: GENESIS_HASH } })).toMatchObject({
      ok: false,
      seq: 4,
      problem: 'modified',
      expected: GENESIS_HASH,
      found: rows[3].hash,
    });
    expect(await verifyChain([rows], { trusted: { seq: 5, hash: rows[4].hash } })).toMatchObject({
      ok: true,
      entries: 8,
    });
  });
});

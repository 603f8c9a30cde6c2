import { describe, expect, test } from 'vitest';
import { PrefixTables, U32Table, U64Table } from './address-table.js';

/** Deterministic pseudo-random u32s (xorshift), so a failure replays. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

describe('U32Table', () => {
  test('agrees with a Map through growth and churn', () => {
    const t = new U32Table(4);
    const m = new Map<number, number>();
    const next = rng(42);
    for (let i = 0; i < 50_000; i++) {
      // A small key space forces collisions, long probe runs and backward shifts.
      const key = next() % 4096;
      if (next() % 3 === 0) expect(t.delete(key)).toBe(m.delete(key));
      else {
        const v = (next() % 1000) + 1;
        t.set(key, v);
        m.set(key, v);
      }
    }
    expect(t.size).toBe(m.size);
    for (let key = 0; key < 4096; key++) expect(t.get(key)).toBe(m.get(key) ?? 0);
  });

  test.each([0, 1, 0x7fffffff, 0x80000000, 0xffffffff])('holds key %d', (key) => {
    const t = new U32Table();
    t.set(key, 5);
    expect(t.get(key)).toBe(5);
    expect(t.delete(key)).toBe(true);
    expect(t.get(key)).toBe(0);
  });
});

describe('U32Table membership filter', () => {
  test('agrees with a Map through growth, churn and filter rebuilds (wide keys, many deletes)', () => {
    const t = new U32Table(4);
    const m = new Map<number, number>();
    const next = rng(99);
    let disagreed = 0;
    for (let i = 0; i < 200_000; i++) {
      const key = next() % 20_000;
      if (next() % 2 === 0) {
        if (t.delete(key) !== m.delete(key)) disagreed++;
      } else {
        t.set(key, i + 1);
        m.set(key, i + 1);
      }
    }
    for (let key = 0; key < 20_000; key++) if (t.get(key) !== (m.get(key) ?? 0)) disagreed++;
    expect(disagreed).toBe(0);
    expect(t.size).toBe(m.size);
  });

  test('deleted keys read 0 and kept keys their value, before and after a filter rebuild', () => {
    const t = new U32Table(100_000);
    const next = rng(5);
    const held: number[] = [];
    for (let i = 0; i < 100_000; i++) held.push(next());
    for (const k of held) t.set(k, 1);
    // 40,000 deletes stay under the rebuild threshold (a quarter of 262,144 slots); 80,000 pass it.
    for (const cut of [40_000, 80_000]) {
      for (const k of held.slice(0, cut)) t.delete(k);
      expect(held.slice(0, cut).filter((k) => t.get(k) !== 0)).toEqual([]);
      expect(held.slice(cut).filter((k) => t.get(k) !== 1)).toEqual([]);
    }
  });
});

describe('U64Table', () => {
  test('agrees with a Map through growth and churn', () => {
    const t = new U64Table(4);
    const m = new Map<string, number>();
    const next = rng(7);
    for (let i = 0; i < 50_000; i++) {
      const hi = 0x20010db8 + (next() % 16);
      const lo = (next() % 256) << 8;
      const key = `${hi}/${lo}`;
      if (next() % 3 === 0) expect(t.delete(hi, lo)).toBe(m.delete(key));
      else {
        t.set(hi, lo, i + 1);
        m.set(key, i + 1);
      }
    }
    expect(t.size).toBe(m.size);
    for (const [key, v] of m) {
      const [hi, lo] = key.split('/').map(Number);
      expect(t.get(hi, lo)).toBe(v);
    }
    expect(t.get(0x30000000, 0)).toBe(0);
  });
});

describe('PrefixTables', () => {
  const p48 = { hi: 0x20010db8, lo: 0x00010000, length: 48 };
  const p56 = { hi: 0x20010db8, lo: 0x0001ab00, length: 56 };
  const p64 = { hi: 0x20010db8, lo: 0x0001ab07, length: 64 };
  const p32 = { hi: 0x20010db9, lo: 0, length: 32 };

  test.each<[string, number, number, number]>([
    ['inside the /64', 0x20010db8, 0x0001ab07, 3],
    ['inside the /56, outside the /64', 0x20010db8, 0x0001ab08, 2],
    ['inside the /48 only', 0x20010db8, 0x0001ff00, 1],
    ['inside the /32', 0x20010db9, 0xffffffff, 4],
    ['nowhere', 0x20010dba, 0, 0],
  ])('longest prefix wins: %s', (_name, w0, w1, want) => {
    const t = new PrefixTables();
    t.set(p48, 1);
    t.set(p56, 2);
    t.set(p64, 3);
    t.set(p32, 4);
    expect(t.get(w0, w1)).toBe(want);
  });

  test('deleting the last prefix of a length stops probing it; lengths seen stay for history', () => {
    const t = new PrefixTables();
    expect(t.empty).toBe(true);
    t.set(p64, 3);
    t.set(p56, 2);
    t.delete(p64);
    expect(t.get(0x20010db8, 0x0001ab07)).toBe(2);
    t.delete(p56);
    expect(t.empty).toBe(true);
    expect(t.lengthsSeen).toEqual([64, 56]);
  });
});

describe('U32Table probe runs', () => {
  test('keys sharing one home slot survive deletes from the middle of their run (backward shift)', () => {
    // Multiples of 2^28 all hash to home slot 0 in a 16-slot table (Fibonacci hash keeps the top bits).
    const t = new U32Table(4);
    const keys = [0, 1, 2, 3].map((k) => (k * 2 ** 28) >>> 0);
    for (const [i, k] of keys.entries()) t.set(k, i + 1);
    expect(t.delete(keys[1] as number)).toBe(true);
    expect(keys.map((k) => t.get(k))).toEqual([1, 0, 3, 4]);
    expect(t.delete(keys[1] as number)).toBe(false);
    t.set(keys[1] as number, 9);
    expect(keys.map((k) => t.get(k))).toEqual([1, 9, 3, 4]);
    expect(t.size).toBe(4);
  });
});

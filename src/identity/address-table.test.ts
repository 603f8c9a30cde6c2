import { describe, expect, test } from 'vitest';
import { U32Table, U64Table } from './address-table.js';

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

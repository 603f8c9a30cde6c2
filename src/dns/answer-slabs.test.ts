import { describe, expect, it } from 'vitest';
import { AnswerSlabs, SLAB_AGE, SLAB_MAX_ANSWER, SLAB_SIZE } from './answer-slabs.js';

const bytes = (len: number, fill: number) => Buffer.alloc(len, fill);

describe('AnswerSlabs', () => {
  it.each([
    { name: 'small answer', len: 60, inSlab: true },
    { name: 'largest slab answer', len: SLAB_MAX_ANSWER, inSlab: true },
    { name: 'larger answer', len: SLAB_MAX_ANSWER + 1, inSlab: false },
  ])('keeps a copy of a $name', ({ len, inSlab }) => {
    const slabs = new AnswerSlabs();
    const src = bytes(len + 10, 7);
    const kept = slabs.keep(src, len);
    expect(kept.length).toBe(len);
    expect(kept.equals(src.subarray(0, len))).toBe(true);
    src.fill(0);
    expect(kept[0]).toBe(7); // a copy, not a view of the source
    expect(kept.buffer.byteLength).toBe(inSlab ? SLAB_SIZE : len);
  });

  it('packs small answers into one slab, never into the shared buffer pool', () => {
    const slabs = new AnswerSlabs();
    const a = slabs.keep(bytes(60, 1), 60);
    const pooled = Buffer.from(bytes(60, 9));
    const b = slabs.keep(bytes(70, 2), 70);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset).toBe(a.byteOffset + 60);
    expect(pooled.buffer).not.toBe(a.buffer);
    expect([a[59], b[0], b[69]]).toEqual([1, 2, 2]);
  });

  it('starts a new slab when the answer does not fit', () => {
    const slabs = new AnswerSlabs();
    const first = slabs.keep(bytes(SLAB_MAX_ANSWER, 1), SLAB_MAX_ANSWER);
    let last = first;
    for (let used = SLAB_MAX_ANSWER; used + SLAB_MAX_ANSWER <= SLAB_SIZE; used += SLAB_MAX_ANSWER)
      last = slabs.keep(bytes(SLAB_MAX_ANSWER, 2), SLAB_MAX_ANSWER);
    expect(last.buffer).toBe(first.buffer);
    const next = slabs.keep(bytes(1, 3), 1);
    expect(next.buffer).not.toBe(first.buffer);
    expect(next.byteOffset).toBe(0);
    expect(first[0]).toBe(1);
  });

  it('counts slab generations and calls an answer old past SLAB_AGE of them', () => {
    const slabs = new AnswerSlabs();
    slabs.keep(bytes(1, 1), 1);
    const kept = slabs.generation;
    expect(kept).toBe(1);
    const cases: [extraSlabs: number, old: boolean][] = [
      [0, false],
      [SLAB_AGE, false],
      [SLAB_AGE + 1, true],
    ];
    const big = bytes(SLAB_MAX_ANSWER, 2);
    for (const [extra, old] of cases) {
      while (slabs.generation < kept + extra) slabs.keep(big, big.length);
      expect(slabs.isOld(kept)).toBe(old);
    }
  });
});

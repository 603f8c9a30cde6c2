/** A slow (not failing) sink: only the excess of the backlog goes to the spool. */
import { describe, expect, test } from 'vitest';
import { memorySpool } from './batcher.fixture.js';
import { createBatcher } from './batcher.js';
import type { RecordSink } from './types.js';

const settle = async (turns = 5): Promise<void> => {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
};
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

function gatedSink() {
  const batches: number[][] = [];
  let release: (() => void)[] = [];
  let gated = true;
  const sink: RecordSink<number> = {
    write: async (b) => {
      if (gated) await new Promise<void>((r) => release.push(r));
      batches.push([...b]);
    },
  };
  const open = (): void => {
    gated = false;
    for (const r of release) r();
    release = [];
  };
  return { sink, all: () => batches.flat(), open };
}

describe('a slow sink parks only the excess', () => {
  test.each([
    { maxQueue: 100, batchSize: 10, maxBatch: 10, spillAt: 50, pushed: 60 },
    { maxQueue: 100, batchSize: 5, maxBatch: 20, spillAt: 90, pushed: 100 },
    { maxQueue: 30, batchSize: 10, maxBatch: 10, spillAt: 30, pushed: 200 }, // the ring fills: push parks
  ])('queue $maxQueue, spillAt $spillAt, maxBatch $maxBatch: $pushed pushed', async (o) => {
    const s = gatedSink();
    const mem = memorySpool<number>();
    const b = createBatcher({ ...o, flushIntervalMs: 60_000, sink: s.sink, spool: mem.spool });
    for (const i of range(0, o.pushed)) {
      b.push(i);
      if (i % 5 === 4) await settle(1);
    }
    await settle();
    const st = b.stats();
    expect(st.dropped).toBe(0);
    expect(st.spooled).toBeGreaterThan(0);
    // What was not parked is still in memory (the write in flight was shadowed into the spool).
    expect(st.queued).toBeGreaterThan(0);
    expect(st.queued + st.spooled).toBe(o.pushed); // each record once: in memory or in the spool
    expect(mem.batches.flat()).toEqual(range(0, mem.batches.flat().length)); // the oldest, in order
    s.open();
    await b.close();
    expect(s.all()).toEqual(range(0, o.pushed));
    expect(b.stats()).toMatchObject({ pushed: o.pushed, written: o.pushed, dropped: 0, queued: 0 });
  });
});

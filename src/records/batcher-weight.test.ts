/** The batcher carrying items that hold several records each (the pipeline's packed chunks). */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { memorySpool } from './batcher.fixture.js';
import { createBatcher } from './batcher.js';
import type { RecordSink } from './types.js';

const settle = async (turns = 5): Promise<void> => {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
};

/** An item standing for `n` records. */
type Item = { readonly n: number; readonly id: number };
const item = (id: number, n: number): Item => ({ id, n });

function sink(fail: () => boolean = () => false) {
  const batches: Item[][] = [];
  const s: RecordSink<Item> = {
    write: (b) => {
      if (fail()) throw new Error('sink down');
      batches.push([...b]);
    },
  };
  return { sink: s, batches };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('weighted items: the counters count records', () => {
  test.each([
    { sizes: [1], written: 1 },
    { sizes: [512, 512, 100], written: 1124 },
    { sizes: [3, 0, 7], written: 10 },
  ])('items of $sizes records', async ({ sizes, written }) => {
    const s = sink();
    const b = createBatcher<Item>({
      ...{ maxQueue: 100, batchSize: 2, flushIntervalMs: 60_000, sink: s.sink, weight: (x) => x.n },
    });
    for (const [i, n] of sizes.entries()) b.push(item(i, n));
    expect(b.stats()).toMatchObject({ pushed: written, queued: written, written: 0 });
    await b.flush();
    expect(b.stats()).toMatchObject({ pushed: written, written, queued: 0, dropped: 0 });
    expect(s.batches.flat().map((x) => x.id)).toEqual(sizes.map((_, i) => i));
    await b.close();
  });

  test('drops count the records of the items dropped', async () => {
    const b = createBatcher<Item>({
      ...{ maxQueue: 2, batchSize: 100, flushIntervalMs: 60_000, sink: sink().sink, weight: (x) => x.n },
    });
    for (const [i, n] of [10, 20, 30, 40].entries()) b.push(item(i, n));
    expect(b.stats()).toMatchObject({ pushed: 100, dropped: 70, queued: 30 });
    await b.close();
  });

  test('a failing sink spools and replays records, counted as records', async () => {
    let down = true;
    let clock = 0;
    const s = sink(() => down);
    const sp = memorySpool<Item>();
    const b = createBatcher<Item>({
      ...{ maxQueue: 10, batchSize: 1, flushIntervalMs: 60_000, sink: s.sink, spool: sp.spool },
      ...{ retryMs: 1000, now: () => clock, weight: (x: Item) => x.n },
    });
    for (const i of [0, 1, 2]) b.push(item(i, 100));
    await settle();
    expect(b.stats()).toMatchObject({ written: 0, dropped: 0, queued: 0 });
    expect(b.stats().spooled).toBe(300);
    down = false;
    clock = 1000;
    await b.flush();
    expect(b.stats()).toMatchObject({ written: 300, replayed: 300, dropped: 0, queued: 0 });
    expect(s.batches.flat().map((x) => x.id)).toEqual([0, 1, 2]);
    await b.close();
  });

  test('beforeFlush runs before each timed flush and before close, so what a producer holds goes out', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const s = sink();
    let held: Item | null = item(0, 5);
    const b = createBatcher<Item>({
      ...{ maxQueue: 10, batchSize: 10, flushIntervalMs: 1000, sink: s.sink, weight: (x: Item) => x.n },
      beforeFlush: () => {
        if (held !== null) b.push(held);
        held = null;
      },
    });
    vi.advanceTimersByTime(1000);
    await settle();
    expect(s.batches).toEqual([[item(0, 5)]]);
    held = item(1, 2);
    await b.close();
    expect(s.batches.flat().map((x) => x.id)).toEqual([0, 1]);
    expect(b.stats()).toMatchObject({ pushed: 7, written: 7, dropped: 0 });
  });
});

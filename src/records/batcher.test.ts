import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { memorySpool } from './batcher.fixture.js';
import { createBatcher } from './batcher.js';
import { createSpool } from './spool.js';
import type { BatchSpool, RecordSink } from './types.js';

/** Lets `setImmediate` callbacks and the promise chains after them run. */
const settle = async (turns = 5): Promise<void> => {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
};
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** A sink that records batches; `fail()` decides per write, `gate` holds writes until released. */
function memorySink(opts: { fail?: () => boolean; gated?: boolean } = {}) {
  const batches: number[][] = [];
  let release: (() => void)[] = [];
  const sink: RecordSink<number> = {
    write: async (batch) => {
      if (opts.gated) await new Promise<void>((r) => release.push(r));
      if (opts.fail?.()) throw new Error('sink down');
      batches.push([...batch]);
    },
  };
  const open = (): void => {
    opts.gated = false;
    for (const r of release) r();
    release = [];
  };
  return { sink, batches, all: () => batches.flat(), open };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('triggers', () => {
  test.each([
    { batchSize: 4, pushed: 4, written: [[0, 1, 2, 3]] },
    { batchSize: 4, pushed: 9, written: [range(0, 4), range(4, 8)] },
    { batchSize: 4, pushed: 3, written: [] },
  ])('batch size $batchSize after $pushed pushes writes $written', async ({ batchSize, pushed, written }) => {
    const s = memorySink();
    const b = createBatcher({ maxQueue: 100, batchSize, flushIntervalMs: 60_000, sink: s.sink });
    for (const i of range(0, pushed)) b.push(i);
    expect(s.batches).toEqual([]); // never inside push
    await settle();
    expect(s.batches).toEqual(written);
    await b.close();
  });

  test('the interval writes a partial batch', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const s = memorySink();
    const b = createBatcher({ maxQueue: 100, batchSize: 50, flushIntervalMs: 1000, sink: s.sink });
    for (const i of range(0, 3)) b.push(i);
    await settle();
    expect(s.batches).toEqual([]);
    vi.advanceTimersByTime(1000);
    await settle();
    expect(s.batches).toEqual([[0, 1, 2]]);
    await b.close();
  });
});

describe('ordering', () => {
  test.each([
    [1, 10],
    [3, 100],
    [7, 1000],
    [64, 1000],
  ])('batch size %i, %i records arrive in push order in batches no larger', async (batchSize, n) => {
    const s = memorySink();
    const b = createBatcher({ maxQueue: 10_000, batchSize, flushIntervalMs: 60_000, sink: s.sink });
    for (const i of range(0, n)) b.push(i);
    await b.flush();
    expect(s.all()).toEqual(range(0, n));
    expect(s.batches.every((x) => x.length <= batchSize)).toBe(true);
    expect(b.stats()).toMatchObject({ pushed: n, written: n, dropped: 0, queued: 0 });
    await b.close();
  });

  test('a backlog goes out in writes of up to maxBatch, in order; a trickle still in batchSize', async () => {
    const s = memorySink({ gated: true });
    const b = createBatcher({
      maxQueue: 10_000,
      batchSize: 10,
      maxBatch: 40,
      flushIntervalMs: 60_000,
      sink: s.sink,
    });
    for (const i of range(0, 10)) b.push(i);
    await settle(); // the first batch is held in the sink: a backlog builds behind it
    for (const i of range(10, 100)) b.push(i);
    s.open();
    await b.flush();
    expect(s.batches.map((x) => x.length)).toEqual([10, 40, 40, 10]);
    expect(s.all()).toEqual(range(0, 100));
    await b.close();
  });

  test('records a previous run spooled are replayed before new ones', async () => {
    const s = memorySink();
    const { spool } = memorySpool(Number.POSITIVE_INFINITY, [
      [0, 1],
      [2, 3],
    ]);
    const b = createBatcher({ maxQueue: 100, batchSize: 2, flushIntervalMs: 60_000, sink: s.sink, spool });
    for (const i of range(4, 8)) b.push(i);
    await b.flush();
    expect(s.all()).toEqual(range(0, 8));
    expect(b.stats()).toMatchObject({ replayed: 4, written: 8 });
    await b.close();
  });
});

describe('a failing or slow sink', () => {
  test('failing sink: batches go to the spool, then replay in order when it recovers', async () => {
    let clock = 0;
    let down = true;
    const s = memorySink({ fail: () => down });
    const mem = memorySpool();
    const b = createBatcher({
      ...{ maxQueue: 100, batchSize: 5, flushIntervalMs: 60_000, retryMs: 1000 },
      ...{ sink: s.sink, spool: mem.spool, now: () => clock },
    });
    for (const i of range(0, 23)) b.push(i);
    await b.flush();
    expect(s.batches).toEqual([]);
    expect(mem.batches.flat()).toEqual(range(0, 23));
    expect(b.stats()).toMatchObject({ sinkErrors: 1, spooled: 23, queued: 0, dropped: 0 });
    down = false;
    clock += 1000;
    for (const i of range(23, 30)) b.push(i);
    await b.flush();
    expect(s.all()).toEqual(range(0, 30));
    expect(b.stats()).toMatchObject({ written: 30, replayed: 23, queued: 0 });
    await b.close();
  });

  test('slow sink: the backlog is parked in the spool and replayed in order', async () => {
    const s = memorySink({ gated: true });
    const mem = memorySpool();
    const b = createBatcher({
      maxQueue: 40,
      batchSize: 10,
      flushIntervalMs: 60_000,
      sink: s.sink,
      spool: mem.spool,
    });
    for (const i of range(0, 100)) {
      b.push(i);
      if (i % 10 === 9) await settle(1);
    }
    expect(b.stats().dropped).toBe(0);
    expect(mem.batches.length).toBeGreaterThan(0); // parked, not dropped
    s.open();
    await b.flush();
    expect(s.all()).toEqual(range(0, 100));
    expect(b.stats()).toMatchObject({ pushed: 100, written: 100, dropped: 0, queued: 0 });
    expect(mem.batches).toEqual([]);
    await b.close();
  });

  test('slow sink with the disk spool: every record stored exactly once (the shadow is acknowledged)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-batcher-'));
    const s = memorySink({ gated: true });
    const spool = createSpool<number>({ dir, maxBytes: 2 ** 24 });
    const b = createBatcher({ maxQueue: 40, batchSize: 10, flushIntervalMs: 60_000, sink: s.sink, spool });
    for (const i of range(0, 100)) {
      b.push(i);
      if (i % 10 === 9) await settle(1);
    }
    expect(spool.stats().appended).toBeGreaterThan(0);
    s.open();
    await b.close();
    expect(s.all()).toEqual(range(0, 100));
    expect(spool.isEmpty()).toBe(true);
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a sink that throws synchronously is a failing sink', async () => {
    const mem = memorySpool();
    const sink: RecordSink<number> = {
      write: () => {
        throw new Error('sync failure');
      },
    };
    const b = createBatcher({ maxQueue: 10, batchSize: 2, flushIntervalMs: 60_000, sink, spool: mem.spool });
    for (const i of range(0, 4)) b.push(i);
    await b.flush();
    expect(mem.batches.flat()).toEqual(range(0, 4));
    await b.close();
  });
});

describe('drops', () => {
  test.each([
    { name: 'no spool', spool: undefined },
    { name: 'a full spool', spool: memorySpool(0).spool },
  ])('a full queue with $name drops, counts and reports at most once a second', async ({ spool }) => {
    let clock = 0;
    const reports: [number, number][] = [];
    const s = memorySink({ gated: true });
    const b = createBatcher({
      ...{ maxQueue: 10, batchSize: 100, flushIntervalMs: 60_000, sink: s.sink, spool },
      ...{ now: () => clock, onDrop: (n: number, total: number) => reports.push([n, total]) },
    });
    for (const i of range(0, 15)) b.push(i); // 5 dropped: one report now
    clock = 500;
    for (const i of range(15, 18)) b.push(i); // 3 more: within the second, not reported yet
    clock = 1000;
    b.push(18); // reported with the 3 before
    expect(b.stats()).toMatchObject({ pushed: 19, dropped: 9, queued: 10 });
    expect(reports).toEqual([
      [1, 1],
      [8, 9],
    ]);
    s.open();
    await b.close();
    expect(s.all()).toEqual(range(0, 10));
  });

  test('push never throws, even when onDrop and the spool do', async () => {
    const throwing: BatchSpool<number> = {
      append: () => {
        throw new Error('disk');
      },
      peek: () => undefined,
      ack: () => undefined,
      isEmpty: () => true,
      sync: () => undefined,
    };
    const onDrop = (): void => {
      throw new Error('alarm');
    };
    const s = memorySink({ gated: true });
    const b = createBatcher({
      maxQueue: 2,
      batchSize: 10,
      flushIntervalMs: 60_000,
      sink: s.sink,
      spool: throwing,
      onDrop,
    });
    expect(() => {
      for (const i of range(0, 10)) b.push(i);
    }).not.toThrow();
    expect(b.stats().dropped).toBe(8);
    s.open();
    await b.close();
  });
});

describe('close', () => {
  test('drains everything to the sink, then drops (and counts) later pushes', async () => {
    const s = memorySink();
    const b = createBatcher({ maxQueue: 1000, batchSize: 64, flushIntervalMs: 60_000, sink: s.sink });
    for (const i of range(0, 500)) b.push(i);
    await b.close();
    expect(s.all()).toEqual(range(0, 500));
    b.push(500);
    expect(b.stats()).toMatchObject({ written: 500, dropped: 1, queued: 0 });
  });

  test('with a failing sink, parks everything in the spool', async () => {
    const s = memorySink({ fail: () => true });
    const mem = memorySpool();
    const b = createBatcher({
      maxQueue: 1000,
      batchSize: 64,
      flushIntervalMs: 60_000,
      sink: s.sink,
      spool: mem.spool,
    });
    for (const i of range(0, 300)) b.push(i);
    await b.close();
    expect(mem.batches.flat()).toEqual(range(0, 300));
    expect(b.stats()).toMatchObject({ spooled: 300, dropped: 0, queued: 0 });
  });

  test('a second close waits for the same drain', async () => {
    const s = memorySink({ gated: true });
    const b = createBatcher({ maxQueue: 100, batchSize: 5, flushIntervalMs: 60_000, sink: s.sink });
    for (const i of range(0, 12)) b.push(i);
    const [first, second] = [b.close(), b.close()];
    s.open();
    await second;
    expect(s.all()).toEqual(range(0, 12));
    await first;
  });

  test('waits for a slow write in flight', async () => {
    const s = memorySink({ gated: true });
    const b = createBatcher({ maxQueue: 100, batchSize: 5, flushIntervalMs: 60_000, sink: s.sink });
    for (const i of range(0, 12)) b.push(i);
    await settle();
    const closing = b.close();
    s.open();
    await closing;
    expect(s.all()).toEqual(range(0, 12));
  });
});

import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { isGatehouseError } from '../core/errors.js';
import { createBatcher } from './batcher.js';
import { createSpool, type Spool } from './spool.js';
import { encodeFrame } from './spool-frame.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-spool-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = (maxBytes = 1 << 20, segmentBytes = 256): Spool<number> =>
  createSpool<number>({ dir, maxBytes, segmentBytes });
const batches = (n: number, size = 3): number[][] =>
  Array.from({ length: n }, (_, i) => Array.from({ length: size }, (_, j) => i * size + j));

/** Reads and acknowledges every batch. */
function drain(spool: Spool<number>): number[][] {
  const out: number[][] = [];
  for (let b = spool.peek(); b !== undefined; b = spool.peek()) {
    out.push([...b]);
    spool.ack();
  }
  return out;
}
const segments = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.seg'));

describe('append and replay', () => {
  test('batches come back in order across many segments, and read segments are deleted', () => {
    const spool = open();
    const input = batches(50);
    for (const b of input) expect(spool.append(b)).toBe(true);
    expect(spool.stats().segments).toBeGreaterThan(3);
    expect(drain(spool)).toEqual(input);
    expect(spool.isEmpty()).toBe(true);
    expect(spool.stats()).toMatchObject({ bytes: 0, pendingBytes: 0, appended: 50, acked: 50 });
    expect(segments()).toEqual([]);
    spool.close();
  });

  test('unacknowledged batches survive a reopen; acknowledged ones do not come back', () => {
    const input = batches(20);
    let spool = open();
    for (const b of input) spool.append(b);
    for (let i = 0; i < 7; i++) {
      spool.peek();
      spool.ack();
    }
    spool.close();
    spool = open();
    expect(drain(spool)).toEqual(input.slice(7));
    spool.close();
  });

  test('appends after a reopen go after what was there', () => {
    let spool = open();
    spool.append([1]);
    spool.close();
    spool = open();
    spool.append([2]);
    expect(drain(spool)).toEqual([[1], [2]]);
    spool.close();
  });

  test.each([
    ['is short', Buffer.from([1, 2, 3])],
    ['is unreadable', Buffer.alloc(12, 0xff)],
  ])('a cursor file that %s replays from the start (at least once)', (_name, bytes) => {
    let spool = open();
    for (const b of batches(3)) spool.append(b);
    spool.close();
    writeFileSync(join(dir, 'cursor'), bytes);
    spool = open();
    expect(drain(spool)).toEqual(batches(3));
    spool.close();
  });
});

describe('bounds', () => {
  test('append refuses beyond maxBytes, and accepts again once read segments are freed', () => {
    const spool = open(400, 100);
    let accepted = 0;
    while (spool.append([accepted])) accepted++;
    expect(accepted).toBeGreaterThan(5);
    expect(spool.stats().bytes).toBeLessThanOrEqual(400);
    expect(spool.stats().rejected).toBe(1);
    drain(spool);
    expect(spool.append([99])).toBe(true);
    spool.close();
  });
});

describe('torn and corrupt data', () => {
  const frame = encodeFrame(Buffer.from(JSON.stringify([7, 8, 9])));
  test.each([
    ['a partial header', frame.subarray(0, 5)],
    ['a partial payload', frame.subarray(0, frame.length - 2)],
    ['a bad checksum', Buffer.concat([frame.subarray(0, 4), Buffer.alloc(4), frame.subarray(8)])],
    ['a length past the end', Buffer.from([0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0])],
  ])('a torn last write (%s) is cut off on open; the rest is replayed', (_name, torn) => {
    let spool = open(1 << 20, 1 << 20);
    for (const b of batches(3)) spool.append(b);
    spool.close();
    const last = join(dir, segments().sort().at(-1) as string);
    const size = statSync(last).size;
    appendFileSync(last, torn);
    spool = open(1 << 20, 1 << 20);
    expect(spool.stats().truncatedBytes).toBe(torn.length);
    expect(statSync(last).size).toBe(size);
    expect(drain(spool)).toEqual(batches(3));
    spool.close();
  });

  test('a corrupt frame in an older segment is skipped with the rest of that segment, counted', () => {
    let spool = open(1 << 20, 1 << 20);
    spool.append([1]);
    spool.append([2]);
    spool.close();
    spool = open(1 << 20, 1 << 20); // a new segment
    spool.append([3]);
    spool.close();
    const first = join(dir, segments().sort()[0] as string);
    writeFileSync(first, Buffer.alloc(4, 0xee), { flag: 'r+' }); // smash the first frame's length
    spool = open(1 << 20, 1 << 20);
    expect(drain(spool)).toEqual([[3]]);
    expect(spool.stats().corrupt).toBe(1);
    spool.close();
  });

  test('an unusable directory fails with GH_ERR_RECORDS_SPOOL', () => {
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => createSpool({ dir: join(dir, 'file'), maxBytes: 1000 })).toThrow(
      expect.toSatisfy((e) => isGatehouseError(e, 'GH_ERR_RECORDS_SPOOL')),
    );
  });
});

describe('with the batcher', () => {
  test('records spooled while the sink is down are replayed, in order, by the next run', async () => {
    const first = open(1 << 20, 1024);
    const down = createBatcher<number>({
      ...{ maxQueue: 100, batchSize: 10, flushIntervalMs: 60_000, spool: first },
      sink: { write: () => Promise.reject(new Error('down')) },
    });
    for (let i = 0; i < 95; i++) down.push(i);
    await down.close();
    first.close();

    const second = open(1 << 20, 1024);
    const got: number[] = [];
    const up = createBatcher<number>({
      ...{ maxQueue: 100, batchSize: 10, flushIntervalMs: 60_000, spool: second },
      sink: { write: (b) => void got.push(...b) },
    });
    for (let i = 95; i < 100; i++) up.push(i);
    await up.close();
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(second.isEmpty()).toBe(true);
    second.close();
  });
});

import { describe, expect, it } from 'vitest';
import { packDns } from '../../records/sinks/chunk.js';
import type { PackedBatch } from '../../records/sinks/packed.js';
import { dnsRecordAt } from '../../records/sinks/records.fixture.js';
import { createRecordPoster, unpackDns } from './records.js';

describe('worker records', () => {
  it('unpacks what packDns packed, field for field', () => {
    const batch = Array.from({ length: 200 }, (_, i) => dnsRecordAt(i));
    expect(unpackDns(packDns(batch))).toEqual(batch);
    expect(unpackDns(packDns([]))).toEqual([]);
  });

  it.each([
    { name: 'within the in-flight limit', acks: true, posted: 10, dropped: 0 },
    { name: 'main not acknowledging', acks: false, posted: 3, dropped: 7 * 4 },
  ])('posts full batches and never waits: $name', ({ acks, posted, dropped }) => {
    const out: PackedBatch[] = [];
    const poster = createRecordPoster({
      batch: 4,
      maxInFlight: 3,
      flushMs: 1000,
      post: (b) => {
        out.push(b);
        if (acks) poster.ack();
      },
    });
    for (let i = 0; i < 40; i++) poster.push(dnsRecordAt(i));
    poster.close();
    expect(out).toHaveLength(posted);
    expect(out.every((b) => b.rows === 4)).toBe(true);
    expect(poster.takeDropped()).toBe(dropped);
    expect(poster.takeDropped()).toBe(0);
  });

  it('sends a partial batch on flush', () => {
    const out: PackedBatch[] = [];
    const poster = createRecordPoster({
      batch: 100,
      maxInFlight: 3,
      flushMs: 1000,
      post: (b) => out.push(b),
    });
    poster.push(dnsRecordAt(1));
    poster.flush();
    poster.close();
    expect(out.map((b) => unpackDns(b))).toEqual([[dnsRecordAt(1)]]);
  });
});

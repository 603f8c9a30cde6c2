import { describe, expect, test } from 'vitest';
import { dnsRecordAt, flowRecordAt } from './sinks/records.fixture.js';
import { dnsSpoolCodec, flowSpoolCodec } from './spool-codec.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('packed spool codec', () => {
  test.each([0, 1, 7, 1000])('%d DNS records round-trip, every field, nulls included', (n) => {
    const batch = range(n).map((i) => dnsRecordAt(i));
    const bytes = Buffer.from(dnsSpoolCodec.encode(batch));
    expect(dnsSpoolCodec.decode(bytes)).toEqual(batch);
  });

  test.each([1, 64])('%d flow records round-trip', (n) => {
    const batch = range(n).map((i) => flowRecordAt(i));
    expect(flowSpoolCodec.decode(Buffer.from(flowSpoolCodec.encode(batch)))).toEqual(batch);
  });

  test('non-ASCII names and a value past 2^32 survive', () => {
    const r = { ...dnsRecordAt(3), qname: 'bücher.example', subscriber: 'ключ', latencyUs: 2 ** 40 + 3 };
    expect(dnsSpoolCodec.decode(Buffer.from(dnsSpoolCodec.encode([r])))).toEqual([r]);
  });

  test('JSON frames of spools written before the packed codec are still read', () => {
    const batch = range(5).map((i) => dnsRecordAt(i));
    expect(dnsSpoolCodec.decode(Buffer.from(JSON.stringify(batch)))).toEqual(batch);
  });

  test.each<[string, (b: Buffer) => Buffer]>([
    ['wrong magic', (b) => Buffer.concat([Buffer.from([0x51]), b.subarray(1)])],
    ['a flows frame read as DNS', () => Buffer.from(flowSpoolCodec.encode([flowRecordAt(1)]))],
    ['truncated', (b) => b.subarray(0, b.length - 8)],
    ['header only', (b) => b.subarray(0, 5)],
  ])('refuses %s (the spool counts it corrupt and skips it)', (_name, mangle) => {
    const good = Buffer.from(dnsSpoolCodec.encode(range(3).map((i) => dnsRecordAt(i))));
    expect(() => dnsSpoolCodec.decode(mangle(good))).toThrow();
  });
});

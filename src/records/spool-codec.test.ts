import { describe, expect, test } from 'vitest';
import { dnsChunker, packDns, unpackDnsChunks, unpackFlowChunks } from './sinks/chunk.js';
import type { PackedBatch } from './sinks/packed.js';
import { dnsRecordAt, flowRecordAt } from './sinks/records.fixture.js';
import { chunkSpoolCodec, dnsSpoolCodec, flowSpoolCodec } from './spool-codec.js';

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

describe('chunk spool codec (the pipeline’s)', () => {
  const chunksOf = (n: number, rows: number): PackedBatch[] => {
    const c = dnsChunker(rows);
    const out: PackedBatch[] = [];
    for (const i of range(n)) {
      const full = c.add(dnsRecordAt(i));
      if (full !== null) out.push(full);
    }
    const last = c.seal();
    return last === null ? out : [...out, last];
  };

  test.each([
    [1, 512],
    [1000, 512],
    [1037, 100],
  ])('%d DNS records in chunks of %d: one frame, read back as one chunk of the same records', (n, rows) => {
    const codec = chunkSpoolCodec('dns_queries');
    const decoded = codec.decode(Buffer.from(codec.encode(chunksOf(n, rows))));
    expect(decoded).toHaveLength(1);
    expect(unpackDnsChunks(decoded)).toEqual(range(n).map((i) => dnsRecordAt(i)));
  });

  test('frames the record codecs wrote (and JSON frames) read as chunks, and the other way round', () => {
    const batch = range(9).map((i) => dnsRecordAt(i));
    const codec = chunkSpoolCodec('dns_queries');
    expect(unpackDnsChunks(codec.decode(Buffer.from(dnsSpoolCodec.encode(batch))))).toEqual(batch);
    expect(unpackDnsChunks(codec.decode(Buffer.from(JSON.stringify(batch))))).toEqual(batch);
    expect(dnsSpoolCodec.decode(Buffer.from(codec.encode(chunksOf(9, 4))))).toEqual(batch);
  });

  test('flow chunks round-trip; a DNS frame is refused as flows', () => {
    const flows = range(20).map((i) => flowRecordAt(i));
    const codec = chunkSpoolCodec('flows');
    expect(unpackFlowChunks(codec.decode(Buffer.from(flowSpoolCodec.encode(flows))))).toEqual(flows);
    expect(() => codec.decode(Buffer.from(dnsSpoolCodec.encode([dnsRecordAt(1)])))).toThrow();
  });
});

describe('frames of older spools', () => {
  /** A frame as the first packed codec wrote it: magic 0x50, strings as one JSON array. */
  const v1 = (p: PackedBatch): Buffer => {
    const strings = Buffer.from(JSON.stringify(p.strings), 'utf8');
    const valuesAt = (12 + strings.length + 7) & ~7;
    const out = Buffer.alloc(valuesAt + p.values.byteLength);
    out[0] = 0x50;
    out[1] = p.table === 'dns_queries' ? 0 : 1;
    out.writeUInt32LE(p.rows, 4);
    out.writeUInt32LE(strings.length, 8);
    strings.copy(out, 12);
    Buffer.from(p.values.buffer, p.values.byteOffset, p.values.byteLength).copy(out, valuesAt);
    return out;
  };

  test.each([0, 1, 300])('%d DNS records in a 0x50 frame are read, by both codecs', (n) => {
    const batch = range(n).map((i) => ({ ...dnsRecordAt(i), qname: i % 2 ? `bücher${i}.example` : `h${i}` }));
    const frame = v1(packDns(batch));
    expect(dnsSpoolCodec.decode(frame)).toEqual(batch);
    expect(unpackDnsChunks(chunkSpoolCodec('dns_queries').decode(frame))).toEqual(batch);
  });

  test('a lone surrogate survives the UTF-16 strings', () => {
    const r = { ...dnsRecordAt(1), qname: 'a\ud800b.example' };
    expect(dnsSpoolCodec.decode(Buffer.from(dnsSpoolCodec.encode([r])))).toEqual([r]);
  });
});

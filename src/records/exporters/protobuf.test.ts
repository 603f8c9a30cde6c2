import { describe, expect, it } from 'vitest';
import { encodeVarint, ProtoWriter, readFields } from './protobuf.js';

describe('protobuf varints', () => {
  it.each([
    [0, [0x00]],
    [1, [0x01]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [150, [0x96, 0x01]], // the example of the protobuf encoding guide
    [300, [0xac, 0x02]],
    [2 ** 32, [0x80, 0x80, 0x80, 0x80, 0x10]],
    [Number.MAX_SAFE_INTEGER, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]],
  ])('%d', (value, bytes) => {
    expect([...encodeVarint(value)]).toEqual(bytes);
    const [field] = readFields(new ProtoWriter().varint(1, value).finish());
    expect(field?.value).toBe(value);
  });

  it.each([-1, 1.5, 2 ** 53])('refuses %d', (value) => {
    expect(() => encodeVarint(value)).toThrow(RangeError);
  });
});

describe('protobuf fields', () => {
  it('round-trips varint, length-delimited, string, embedded and fixed32 fields in order', () => {
    const inner = new ProtoWriter().varint(1, 6).finish();
    const buf = new ProtoWriter()
      .bytes(1, 'node-1')
      .bytes(3, Buffer.from([0, 255]))
      .bytes(14, inner)
      .fixed32(9, 0xdeadbeef)
      .varint(15, 1)
      .finish();
    const fields = readFields(buf);
    expect(fields.map((f) => [f.field, f.wireType])).toEqual([
      [1, 2],
      [3, 2],
      [14, 2],
      [9, 5],
      [15, 0],
    ]);
    expect(fields[0]?.value.toString()).toBe('node-1');
    expect(readFields(fields[2]?.value as Buffer)[0]?.value).toBe(6);
    expect(fields[3]?.value).toBe(0xdeadbeef);
    expect(buf.subarray(0, 2)).toEqual(Buffer.from([0x0a, 6])); // tag = 1 << 3 | 2
  });

  it.each([
    ['truncated varint', [0x08, 0x80]],
    ['length past the end', [0x0a, 0x05, 0x41]],
    ['truncated fixed32', [0x4d, 1, 2]],
    ['field number 0', [0x00, 0x01]],
    ['unsupported wire type 1', [0x09, 0, 0, 0, 0, 0, 0, 0, 0]],
  ])('rejects %s', (_name, bytes) => {
    expect(() => readFields(Buffer.from(bytes))).toThrow(RangeError);
  });
});

import { describe, expect, test } from 'vitest';
import { elementType, encodeArray } from './pg-arrays.js';

/** Decodes the binary array format back (the subset `encodeArray` writes), to check round trips. */
function decode(buf: Buffer): { oid: number; values: (bigint | number | string | null)[] } {
  expect(buf.readInt32BE(0)).toBe(1);
  const oid = buf.readInt32BE(8);
  const n = buf.readInt32BE(12);
  expect(buf.readInt32BE(16)).toBe(1);
  const values: (bigint | number | string | null)[] = [];
  let at = 20;
  for (let i = 0; i < n; i++) {
    const len = buf.readInt32BE(at);
    at += 4;
    if (len === -1) values.push(null);
    else if (oid === 25) values.push(buf.toString('utf8', at, at + len));
    else if (oid === 20) values.push(buf.readBigInt64BE(at));
    else values.push(len === 4 ? buf.readInt32BE(at) : buf.readInt16BE(at));
    if (len > 0) at += len;
  }
  expect(at).toBe(buf.length);
  return { oid, values };
}

describe('binary arrays', () => {
  test.each([
    ['bigint', [0, 1, -1, 1_700_000_000_123, -(2 ** 32) - 5, Number.MAX_SAFE_INTEGER, null], 20],
    ['integer', [0, -1, 2_147_483_647, null], 23],
    ['smallint', [0, 1, -32_768, null], 21],
    ['text', ['', 'a"b\\c', 'ü 名前', null, '{x,y}'], 25],
  ] as const)('%s round-trips', (type, values, oid) => {
    const back = decode(encodeArray(type, values));
    expect(back.oid).toBe(oid);
    expect(back.values).toEqual(
      type === 'bigint' ? values.map((v) => (v === null ? null : BigInt(v))) : values,
    );
    expect(encodeArray(type, values).readInt32BE(4)).toBe(1);
  });

  test.each([
    ['bigint', 1.5],
    ['bigint', 2 ** 60],
    ['integer', 2 ** 31],
    ['smallint', 40_000],
    ['integer', 'x'],
  ] as const)('refuses %s %s', (type, value) => {
    expect(() => encodeArray(type, [value])).toThrow(RangeError);
  });

  test('reads the element type from a column definition', () => {
    expect(elementType('time_ms BIGINT NOT NULL')).toBe('bigint');
    expect(() => elementType('x REAL')).toThrow('"x REAL"');
  });
});

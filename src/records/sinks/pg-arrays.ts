/**
 * One-dimensional PostgreSQL arrays in the binary wire format (`array_recv`, src/backend/utils/adt/
 * arrayfuncs.c), for the record sink's `unnest($1::bigint[], …)` inserts. `pg` sends a Buffer parameter
 * as binary, so the server copies elements instead of parsing (and unquoting) a text literal: the
 * insert costs the server about half as much, and encoding here is faster than building the text.
 *
 * Layout: ndim int32 = 1, has-nulls flag int32, element type OID, then per dimension length and lower
 * bound (1); then per element an int32 byte length (-1 for NULL) followed by the element's binary form
 * (big-endian integers, UTF-8 text).
 */
import type { SqlValue } from './sql.js';

/** The element types record columns use. */
export type ElementType = 'bigint' | 'integer' | 'smallint' | 'text';

const OID: Record<ElementType, number> = { bigint: 20, integer: 23, smallint: 21, text: 25 };
const SIZE: Record<ElementType, number> = { bigint: 8, integer: 4, smallint: 2, text: 0 };
const HEADER = 20;
const TWO_32 = 2 ** 32;

/** The element type of a column definition such as `time_ms BIGINT NOT NULL`; throws for others. */
export function elementType(columnDefinition: string): ElementType {
  const type = columnDefinition.split(' ')[1]?.toLowerCase();
  if (type === 'bigint' || type === 'integer' || type === 'smallint' || type === 'text') return type;
  throw new Error(`column "${columnDefinition}" has no binary array encoding`);
}

function byteSize(type: ElementType, values: readonly SqlValue[]): number {
  let size = HEADER + 4 * values.length;
  if (type !== 'text') {
    for (const v of values) if (v !== null) size += SIZE[type];
    return size;
  }
  // UTF-8 takes at most 3 bytes per UTF-16 code unit; the buffer is trimmed after writing.
  for (const v of values) if (v !== null) size += 3 * String(v).length;
  return size;
}

function integer(v: SqlValue, type: ElementType): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw new RangeError(`encoding ${type} array: "${String(v)}" is not an integer`);
  return v;
}

/** Encodes `values` as a binary array of `type`; throws RangeError for a value that does not fit. */
export function encodeArray(type: ElementType, values: readonly SqlValue[]): Buffer {
  const buf = Buffer.allocUnsafe(byteSize(type, values));
  let hasNull = 0;
  let at = HEADER;
  for (const v of values) {
    if (v === null) {
      hasNull = 1;
      at = buf.writeInt32BE(-1, at);
    } else if (type === 'text') {
      const n = buf.write(String(v), at + 4, 'utf8');
      buf.writeInt32BE(n, at);
      at += 4 + n;
    } else if (type === 'bigint') {
      const n = integer(v, type);
      at = buf.writeInt32BE(8, at);
      at = buf.writeInt32BE(Math.floor(n / TWO_32), at);
      at = buf.writeUInt32BE(n >>> 0, at);
    } else if (type === 'integer') {
      at = buf.writeInt32BE(4, at);
      at = buf.writeInt32BE(integer(v, type), at);
    } else {
      at = buf.writeInt32BE(2, at);
      at = buf.writeInt16BE(integer(v, type), at);
    }
  }
  buf.writeInt32BE(1, 0);
  buf.writeInt32BE(hasNull, 4);
  buf.writeInt32BE(OID[type], 8);
  buf.writeInt32BE(values.length, 12);
  buf.writeInt32BE(1, 16);
  return buf.subarray(0, at);
}

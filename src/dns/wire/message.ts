/**
 * A zero-allocation cursor over the resource records of a message (RFC 1035 §4.1.3),
 * shared by the response rewriters, the answer inspector and the cache.
 */
import { HEADER_SIZE } from './constants.js';
import { skipName } from './name.js';

const EMPTY = new Uint8Array(0);

/** Message sections, in wire order (RFC 1035 §4.1). */
export const SECTION = { ANSWER: 1, AUTHORITY: 2, ADDITIONAL: 3 } as const;

/** The usable length: `len` when it is a whole number within the buffer, else the buffer's length. */
export function clampLength(buf: Uint8Array, len: number): number {
  return Number.isInteger(len) && len >= 0 && len < buf.length ? len : buf.length;
}

/** Reads a big-endian 16-bit value. */
export function u16(buf: Uint8Array, off: number): number {
  return (buf[off] << 8) | buf[off + 1];
}

/** Reads a big-endian unsigned 32-bit value. */
export function u32(buf: Uint8Array, off: number): number {
  return ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0;
}

/** Writes a big-endian 16-bit value. */
export function put16(buf: Uint8Array, off: number, v: number): void {
  buf[off] = (v >>> 8) & 0xff;
  buf[off + 1] = v & 0xff;
}

/** Writes a big-endian 32-bit value. */
export function put32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = (v >>> 24) & 0xff;
  buf[off + 1] = (v >>> 16) & 0xff;
  buf[off + 2] = (v >>> 8) & 0xff;
  buf[off + 3] = v & 0xff;
}

/**
 * Walks the records of a message. `next()` moves to the following record and fills the
 * public fields; it returns false at the end or on a malformed record (then `error` is set).
 * Bytes after the last counted record are ignored.
 */
export class RecordCursor {
  buf: Uint8Array;
  end = 0;
  /** Offset just past the question section, or -1 when it is malformed. */
  questionEnd = -1;
  error = false;
  section = 0;
  /** Start of the current record (its owner name). */
  offset = 0;
  type = 0;
  klass = 0;
  /** Offset of the 32-bit TTL field. */
  ttlOffset = 0;
  rdataOffset = 0;
  rdlength = 0;
  /** Offset of the RDLENGTH field. */
  rdlengthOffset = 0;
  #pos = 0;
  // Records left per section (answer, authority, additional): fields, not an array, so a
  // cursor is one allocation, and none when reused through `reset`.
  #left1 = 0;
  #left2 = 0;
  #left3 = 0;

  constructor(buf: Uint8Array, len = buf.length) {
    this.buf = buf;
    this.reset(buf, len);
  }

  /**
   * Starts over on another message, as a new cursor would: the hot paths keep one cursor each
   * and reset it per message instead of allocating one per call (a scavenge's worth of garbage
   * every few hundred thousand queries otherwise).
   */
  reset(buf: Uint8Array, len = buf.length): this {
    this.buf = buf;
    this.end = clampLength(buf, len);
    this.questionEnd = -1;
    this.error = false;
    this.section = 0;
    this.offset = 0;
    this.type = 0;
    this.klass = 0;
    this.ttlOffset = 0;
    this.rdataOffset = 0;
    this.rdlength = 0;
    this.rdlengthOffset = 0;
    this.#pos = 0;
    this.#left1 = 0;
    this.#left2 = 0;
    this.#left3 = 0;
    if (this.end < HEADER_SIZE) {
      this.error = true;
      return this;
    }
    this.#left1 = u16(buf, 6);
    this.#left2 = u16(buf, 8);
    this.#left3 = u16(buf, 10);
    let o = HEADER_SIZE;
    for (let q = u16(buf, 4); q > 0; q--) {
      o = skipName(buf, o, this.end);
      if (o < 0 || o + 4 > this.end) {
        this.error = true;
        return this;
      }
      o += 4;
    }
    this.questionEnd = o;
    this.#pos = o;
    return this;
  }

  /** Lets go of the message (a kept cursor would otherwise hold the last buffer alive). */
  release(): void {
    this.buf = EMPTY;
  }

  /** Advances to the next record; false at the end or on error. */
  next(): boolean {
    if (this.error) return false;
    if (this.section < 1) this.section = 1;
    if (this.section === 1 && this.#left1 === 0) this.section = 2;
    if (this.section === 2 && this.#left2 === 0) this.section = 3;
    if (this.section === 3 && this.#left3 === 0) this.section = 4;
    if (this.section === 4) return false;
    if (this.section === 1) this.#left1--;
    else if (this.section === 2) this.#left2--;
    else this.#left3--;
    const start = this.#pos;
    const o = skipName(this.buf, start, this.end);
    if (o < 0 || o + 10 > this.end) return this.#fail();
    const rdlength = u16(this.buf, o + 8);
    if (o + 10 + rdlength > this.end) return this.#fail();
    this.offset = start;
    this.type = u16(this.buf, o);
    this.klass = u16(this.buf, o + 2);
    this.ttlOffset = o + 4;
    this.rdlengthOffset = o + 8;
    this.rdataOffset = o + 10;
    this.rdlength = rdlength;
    this.#pos = o + 10 + rdlength;
    return true;
  }

  /** Offset just past the current record. */
  get recordEnd(): number {
    return this.rdataOffset + this.rdlength;
  }

  #fail(): false {
    this.error = true;
    return false;
  }
}

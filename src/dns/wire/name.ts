/**
 * Domain names on the wire (RFC 1035 §3.1, §4.1.4): skipping, validating and decoding
 * to the text form the policy matches on — lowercase ASCII (RFC 4343 §2), no trailing
 * dot, `.` for the root, other bytes as `\DDD` (RFC 1035 §5.1).
 */
import { HEADER_SIZE, MAX_LABEL, MAX_NAME_WIRE } from './constants.js';

/** Negative results of the name walkers; non-negative results are offsets. */
export const NAME_TRUNCATED = -1;
export const NAME_BAD_POINTER = -2;
export const NAME_LABEL_TOO_LONG = -3;
export const NAME_TOO_LONG = -4;

// Every pointer hop must move strictly backward, so a walk ends; this cap is a second guard.
const MAX_HOPS = 128;
// Worst case: 255 wire bytes, each escaped as `\DDD`.
const scratch = Buffer.allocUnsafe(MAX_NAME_WIRE * 4 + 8);

/**
 * Offset just past the name at `off` as it sits in the message (a pointer ends it),
 * or a negative `NAME_*` code. Pointers are not followed, only checked to be prior
 * occurrences (RFC 1035 §4.1.4) that land after the header.
 */
export function skipName(buf: Uint8Array, off: number, end: number): number {
  if (!(off >= 0 && end <= buf.length)) return NAME_TRUNCATED;
  let o = off;
  let wire = 1;
  for (;;) {
    if (o >= end) return NAME_TRUNCATED;
    const l = buf[o];
    if (l === 0) return o + 1;
    if (l >= 0xc0) {
      if (o + 1 >= end) return NAME_TRUNCATED;
      const target = ((l & 0x3f) << 8) | buf[o + 1];
      return target < off && target >= HEADER_SIZE ? o + 2 : NAME_BAD_POINTER;
    }
    // 0x40 and 0x80 prefixes: extended label types, obsolete (RFC 6891 §5); read as lengths 64..191.
    if (l > MAX_LABEL) return NAME_LABEL_TOO_LONG;
    wire += l + 1;
    if (wire > MAX_NAME_WIRE) return NAME_TOO_LONG;
    o += l + 1;
  }
}

/**
 * Walks the name at `off` following pointers and writes its text form into the scratch
 * buffer. Returns the text length, or a negative `NAME_*` code.
 * Loop-proof: each pointer must land before the start of the segment that holds it.
 */
function decodeInto(buf: Uint8Array, off: number, end: number): number {
  // Offsets from callers may be NaN or past the buffer: refuse rather than loop on undefined bytes.
  if (!(off >= 0 && end <= buf.length)) return NAME_TRUNCATED;
  let o = off;
  let segmentStart = off;
  let wire = 1;
  let n = 0;
  let hops = 0;
  for (;;) {
    if (o >= end) return NAME_TRUNCATED;
    const l = buf[o];
    if (l === 0) break;
    if (l >= 0xc0) {
      if (o + 1 >= end) return NAME_TRUNCATED;
      const target = ((l & 0x3f) << 8) | buf[o + 1];
      if (target >= segmentStart || target < HEADER_SIZE || ++hops > MAX_HOPS) return NAME_BAD_POINTER;
      o = target;
      segmentStart = target;
      continue;
    }
    if (l > MAX_LABEL) return NAME_LABEL_TOO_LONG;
    wire += l + 1;
    if (wire > MAX_NAME_WIRE) return NAME_TOO_LONG;
    if (o + 1 + l > end) return NAME_TRUNCATED;
    if (n > 0) scratch[n++] = 0x2e;
    n = appendLabel(buf, o + 1, o + 1 + l, n);
    o += l + 1;
  }
  if (n === 0) scratch[n++] = 0x2e;
  return n;
}

function appendLabel(buf: Uint8Array, from: number, to: number, n: number): number {
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c >= 0x41 && c <= 0x5a) scratch[n++] = c | 0x20;
    else if (c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c) scratch[n++] = c;
    else {
      // RFC 1035 §5.1: `\DDD` keeps dots and odd bytes inside a label unambiguous.
      scratch[n++] = 0x5c;
      scratch[n++] = 0x30 + ((c / 100) | 0);
      scratch[n++] = 0x30 + (((c / 10) | 0) % 10);
      scratch[n++] = 0x30 + (c % 10);
    }
  }
  return n;
}

/** Decodes the (possibly compressed) name at `off` to lowercase text, or null when malformed. */
export function readName(buf: Uint8Array, off: number, end: number): string | null {
  const n = decodeInto(buf, off, end);
  return n < 0 ? null : scratch.toString('latin1', 0, n);
}

/** Like `readName` but returns the negative `NAME_*` code instead of null. */
export function readNameOrCode(buf: Uint8Array, off: number, end: number): string | number {
  const n = decodeInto(buf, off, end);
  return n < 0 ? n : scratch.toString('latin1', 0, n);
}

/**
 * Splits a text name (trailing dot optional, `\DDD` and `\X` escapes allowed) into wire
 * labels, or returns null when a label is empty or longer than 63 bytes or the name
 * exceeds 255 wire bytes (RFC 1035 §2.3.4).
 */
export function nameToLabels(text: string): Uint8Array[] | null {
  if (text === '' || text === '.') return [];
  const labels: Uint8Array[] = [];
  const cur: number[] = [];
  let wire = 1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (cur.length === 0) {
        if (i === text.length && i > 0) break; // the trailing dot
        return null;
      }
      if (cur.length > MAX_LABEL) return null;
      wire += cur.length + 1;
      labels.push(Uint8Array.from(cur));
      cur.length = 0;
    } else if (c === 0x5c && i + 1 < text.length) {
      const d = text.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(d) && Number(d) < 256) {
        cur.push(Number(d));
        i += 3;
      } else cur.push(text.charCodeAt(++i) & 0xff);
    } else if (c > 0x7f) return null;
    else cur.push(c);
  }
  return wire > MAX_NAME_WIRE ? null : labels;
}

/**
 * In-place rewrites of upstream responses before they go to a client or the cache:
 * ID, ECS stripping (RFC 7871 §11.1), advertised UDP size (RFC 6891 §6.2.3), TTL ageing
 * (RFC 1035 §7.4; RFC 2181 §8), UDP truncation with TC=1 (RFC 1035 §4.2.1, RFC 6891 §7).
 * Functions return the new length, or -1 when the message is malformed (then discard it:
 * a rewrite may have stopped halfway).
 */
import { FLAG, HEADER_SIZE, OPTION, TYPE } from './constants.js';
import { clampLength, put16, put32, RecordCursor, SECTION, u16, u32 } from './message.js';

/** Where the OPT RR of a message sits. */
export interface OptLocation {
  readonly recordOffset: number;
  /** Offset of CLASS (the UDP payload size). */
  readonly classOffset: number;
  readonly ttlOffset: number;
  readonly rdlengthOffset: number;
  readonly rdataOffset: number;
  readonly rdlength: number;
}

/** Sets the message ID (RFC 1035 §4.1.1): upstream IDs never reach clients. */
export function setId(buf: Uint8Array, id: number): void {
  put16(buf, 0, id);
}

// The cursors and the OPT location these functions reuse on every call (they run to the end
// without calling out, so one of each is enough): no garbage per answer on the hot path.
const optCursor = new RecordCursor(new Uint8Array(0));
const ttlCursor = new RecordCursor(new Uint8Array(0));
const truncCursor = new RecordCursor(new Uint8Array(0));
const optFound = {
  recordOffset: 0,
  classOffset: 0,
  ttlOffset: 0,
  rdlengthOffset: 0,
  rdataOffset: 0,
  rdlength: 0,
};

/**
 * Finds the first OPT RR in the additional section; null if absent, -1 if malformed. The location
 * is one object reused by every call: read it at once, before the next `findOpt`.
 */
export function findOpt(buf: Uint8Array, len: number): OptLocation | null | -1 {
  const c = optCursor.reset(buf, len);
  try {
    while (c.next()) {
      if (c.section !== SECTION.ADDITIONAL || c.type !== TYPE.OPT) continue;
      optFound.recordOffset = c.offset;
      optFound.classOffset = c.ttlOffset - 2;
      optFound.ttlOffset = c.ttlOffset;
      optFound.rdlengthOffset = c.rdlengthOffset;
      optFound.rdataOffset = c.rdataOffset;
      optFound.rdlength = c.rdlength;
      return optFound;
    }
    return c.error ? -1 : null;
  } finally {
    c.release();
  }
}

/** Removes every EDNS option with `code` from OPT, shifting the rest of the message down. */
export function removeEdnsOption(buf: Uint8Array, len: number, code: number): number {
  len = clampLength(buf, len);
  const opt = findOpt(buf, len);
  if (opt === -1) return -1;
  if (opt === null) return len;
  let end = opt.rdataOffset + opt.rdlength;
  let total = len;
  let o = opt.rdataOffset;
  while (o + 4 <= end) {
    const size = 4 + u16(buf, o + 2);
    if (o + size > end) return -1;
    if (u16(buf, o) !== code) {
      o += size;
      continue;
    }
    buf.copyWithin(o, o + size, total);
    total -= size;
    end -= size;
  }
  put16(buf, opt.rdlengthOffset, end - opt.rdataOffset);
  return total;
}

/** Strips EDNS Client Subnet: the client's subnet never leaves the gateway (RFC 7871 §11.1). */
export function stripEcs(buf: Uint8Array, len: number): number {
  return removeEdnsOption(buf, len, OPTION.ECS);
}

/** Sets the UDP payload size our OPT advertises (RFC 6891 §6.2.3); false without OPT. */
export function setUdpSize(buf: Uint8Array, len: number, size: number): boolean {
  const opt = findOpt(buf, len);
  if (opt === null || opt === -1) return false;
  put16(buf, opt.classOffset, Math.max(512, Math.min(size, 0xffff)));
  return true;
}

/**
 * Rewrites every TTL except OPT's (whose TTL field is flags, RFC 6891 §6.1.3) to
 * max(0, clamp(ttl, min, max) − age). RFC 2181 §8: TTLs with the top bit set read as 0.
 */
export function adjustTtls(buf: Uint8Array, len: number, age: number, min = 0, max = 0x7fffffff): boolean {
  const c = ttlCursor.reset(buf, len);
  while (c.next()) {
    if (c.type === TYPE.OPT) continue;
    let ttl = u32(buf, c.ttlOffset);
    if (ttl > 0x7fffffff) ttl = 0;
    if (ttl < min) ttl = min;
    if (ttl > max) ttl = max;
    put32(buf, c.ttlOffset, Math.max(0, ttl - age));
  }
  const ok = !c.error;
  c.release();
  return ok;
}

/**
 * Cuts a response to `limit` bytes for UDP (RFC 1035 §4.2.1): header, question and OPT
 * only (RFC 6891 §7: the minimal response still carries OPT), TC=1, so the client retries
 * over TCP (RFC 7766 §5). Returns `len` untouched when it already fits.
 */
export function truncateForUdp(buf: Uint8Array, len: number, limit: number): number {
  len = clampLength(buf, len);
  if (len <= limit) return len;
  const c = truncCursor.reset(buf, len);
  const questionEnd = c.questionEnd;
  let optStart = -1;
  let optEnd = -1;
  while (c.next()) {
    if (c.section === SECTION.ADDITIONAL && c.type === TYPE.OPT && optStart < 0) {
      optStart = c.offset;
      optEnd = c.recordEnd;
    }
  }
  const error = c.error;
  c.release();
  if (questionEnd < 0 || error) return -1;
  let total = questionEnd;
  if (optStart >= 0 && total + (optEnd - optStart) <= limit) {
    buf.copyWithin(total, optStart, optEnd);
    total += optEnd - optStart;
  } else optStart = -1;
  put16(buf, 2, u16(buf, 2) | FLAG.TC);
  put16(buf, 6, 0);
  put16(buf, 8, 0);
  put16(buf, 10, optStart >= 0 ? 1 : 0);
  return total;
}

/**
 * Inserts an EDNS option at the end of OPT RDATA (e.g. EDE 3 Stale Answer, RFC 8914 §4.4),
 * returning a new Buffer, or null when the message has no OPT or is malformed.
 */
export function appendEdnsOption(buf: Uint8Array, len: number, option: Uint8Array): Buffer | null {
  len = clampLength(buf, len);
  const opt = findOpt(buf, len);
  if (opt === null || opt === -1 || opt.rdlength + option.length > 0xffff) return null;
  const at = opt.rdataOffset + opt.rdlength;
  const out = Buffer.allocUnsafe(len + option.length);
  out.set(buf.subarray(0, at), 0);
  out.set(option, at);
  out.set(buf.subarray(at, len), at + option.length);
  put16(out, opt.rdlengthOffset, opt.rdlength + option.length);
  return out;
}

/** What `rewriteUpstreamResponse` changes; absent fields are left alone. */
export interface RewriteOptions {
  readonly id?: number;
  readonly stripEcs?: boolean;
  readonly udpSize?: number;
  /** Seconds the response spent in the cache; TTLs are decremented by it. */
  readonly age?: number;
  readonly minTtl?: number;
  readonly maxTtl?: number;
  /** The client's UDP limit: larger responses are truncated with TC=1. */
  readonly udpLimit?: number;
}

/** Applies the rewrites in a safe order (shrinking before truncating); new length or -1. */
export function rewriteUpstreamResponse(buf: Uint8Array, len: number, opts: RewriteOptions): number {
  let n = clampLength(buf, len);
  if (n < HEADER_SIZE) return -1;
  if (opts.stripEcs === true) n = stripEcs(buf, n);
  if (n < 0) return -1;
  if (opts.udpSize !== undefined) setUdpSize(buf, n, opts.udpSize);
  if (opts.age !== undefined || opts.minTtl !== undefined || opts.maxTtl !== undefined) {
    if (!adjustTtls(buf, n, opts.age ?? 0, opts.minTtl, opts.maxTtl)) return -1;
  }
  if (opts.udpLimit !== undefined) n = truncateForUdp(buf, n, opts.udpLimit);
  if (n >= 0 && opts.id !== undefined) setId(buf, opts.id);
  return n;
}

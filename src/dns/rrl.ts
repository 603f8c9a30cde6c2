/**
 * Response rate limiting (RRL) for UDP, against reflection and amplification: one token
 * bucket per source prefix (IPv4 /24, IPv6 /56 by default), so a spoofed victim's whole
 * prefix shares one budget. Limited responses are dropped, except every `slip`-th, which
 * goes out truncated (TC=1, no records) so a real client behind the prefix retries over
 * TCP (RFC 7766 §5), where the source cannot be spoofed.
 *
 * The table is bounded: when it is full, buckets that have refilled (indistinguishable
 * from absent ones) are swept, and if that is not enough the oldest eighth is evicted, so
 * a flood of distinct spoofed sources costs at most `maxEntries` buckets.
 */
import { parseIPv4, parseIPv6 } from '../core/net/address.js';
import { FLAG } from './wire/constants.js';
import { put16, RecordCursor, u16 } from './wire/message.js';

/** What to do with one response. */
export type RrlVerdict = 'allow' | 'slip' | 'drop';

/** Options of `createRrl`. */
export interface RrlConfig {
  /** Responses per second per prefix; 0 disables limiting. */
  readonly responsesPerSecond: number;
  /** Bucket size: responses allowed in a burst. Default: `responsesPerSecond`. */
  readonly burst?: number;
  /** Every Nth limited response slips through truncated; 0 never, 1 always. Default 2. */
  readonly slip?: number;
  /** IPv4 prefix length sources are grouped by. Default 24. */
  readonly ipv4Prefix?: number;
  /** IPv6 prefix length sources are grouped by. Default 56. */
  readonly ipv6Prefix?: number;
  /** Most buckets kept at once. Default 100 000. */
  readonly maxEntries?: number;
  /** Clock in ms; default `Date.now`. */
  readonly now?: () => number;
}

/** A response rate limiter. */
export interface Rrl {
  /** Accounts one response to `address` (IPv4, IPv6 or IPv4-mapped IPv6 text). */
  check(address: string): RrlVerdict;
  /** Buckets currently held. */
  readonly size: number;
}

interface Bucket {
  tokens: number;
  last: number;
  limited: number;
}

const ALLOW_ALL: Rrl = Object.freeze({ check: (): RrlVerdict => 'allow', size: 0 });

/** The IPv4 number of `address` (dotted quad or `::ffff:a.b.c.d`), or -1. */
function ipv4Of(address: string): number {
  const v4 = parseIPv4(address);
  if (v4 >= 0 || address.charCodeAt(0) !== 58) return v4;
  // RFC 4291 §2.5.5.2: IPv4-mapped addresses, as a dual-stack socket reports IPv4 clients.
  return address.startsWith('::ffff:') ? parseIPv4(address.slice(7)) : -1;
}

function mask32(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}

/** The bucket key of an IPv6 address: its first `bits` bits as text, or null. */
function ipv6Key(address: string, bits: number): string | null {
  const w = parseIPv6(address);
  if (w === null) return null;
  let key = '';
  for (let i = 0; i < 4 && bits > i * 32; i++) key += `${(w[i] & mask32(bits - i * 32)) >>> 0}.`;
  return key;
}

/** Builds a rate limiter; with `responsesPerSecond: 0` every response is allowed. */
export function createRrl(config: RrlConfig): Rrl {
  const rate = config.responsesPerSecond;
  if (!(rate > 0)) return ALLOW_ALL;
  const burst = Math.max(1, config.burst ?? rate);
  const slip = config.slip ?? 2;
  const v4Mask = mask32(config.ipv4Prefix ?? 24);
  const v6Bits = config.ipv6Prefix ?? 56;
  const maxEntries = Math.max(8, config.maxEntries ?? 100_000);
  const now = config.now ?? Date.now;
  // Numbers key IPv4 buckets, so the common case builds no string per query.
  const v4 = new Map<number, Bucket>();
  const v6 = new Map<string, Bucket>();
  const refillMs = (burst / rate) * 1000;

  const sweep = (t: number): void => {
    for (const table of [v4, v6] as Map<unknown, Bucket>[])
      for (const [k, b] of table) if (t - b.last >= refillMs) table.delete(k);
    let excess = v4.size + v6.size - (maxEntries - (maxEntries >>> 3));
    for (const table of [v4, v6] as Map<unknown, Bucket>[])
      for (const k of table.keys()) {
        if (excess-- <= 0) return;
        table.delete(k);
      }
  };

  const take = <K>(table: Map<K, Bucket>, key: K): RrlVerdict => {
    const t = now();
    let b = table.get(key);
    if (b === undefined) {
      if (v4.size + v6.size >= maxEntries) sweep(t);
      b = { tokens: burst, last: t, limited: 0 };
      table.set(key, b);
    } else {
      b.tokens = Math.min(burst, b.tokens + ((t - b.last) * rate) / 1000);
      b.last = t;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 'allow';
    }
    b.limited++;
    return slip > 0 && b.limited % slip === 0 ? 'slip' : 'drop';
  };

  return {
    check(address: string): RrlVerdict {
      const a = ipv4Of(address);
      if (a >= 0) return take(v4, (a & v4Mask) >>> 0);
      const key = ipv6Key(address, v6Bits);
      return key === null ? 'allow' : take(v6, key);
    },
    get size() {
      return v4.size + v6.size;
    },
  };
}

/**
 * The truncated form of a response for a slipped answer: header and question only, TC=1
 * (RFC 1035 §4.1.1), no records, so the client retries over TCP. Null when malformed.
 */
export function slipResponse(response: Uint8Array): Buffer | null {
  const c = new RecordCursor(response);
  if (c.questionEnd < 0) return null;
  const out = Buffer.from(response.subarray(0, c.questionEnd));
  put16(out, 2, u16(out, 2) | FLAG.TC);
  put16(out, 6, 0);
  put16(out, 8, 0);
  put16(out, 10, 0);
  return out;
}

/**
 * The DNS answer cache: upstream response bytes keyed by (qname, qtype, qclass, DO),
 * served with TTLs aged (RFC 1035 §7.4, RFC 2181 §8), negative answers cached for the
 * SOA's negative TTL (RFC 2308 §5), stale answers served when upstreams fail
 * (RFC 8767), a prefetch signal for popular entries near expiry, and a byte bound with
 * least-recently-used eviction (a Map keeps insertion order; a hit re-inserts an entry from
 * the older half, so the hot newer half costs no Map delete and insert per hit). */
import { AnswerSlabs } from './answer-slabs.js';
import { EDE_CODE, FLAG, HEADER_SIZE, RCODE, TYPE } from './wire/constants.js';
import { encodeEde } from './wire/edns.js';
import { clampLength, RecordCursor, SECTION, u16, u32 } from './wire/message.js';
import { skipName } from './wire/name.js';
import { adjustTtls, appendEdnsOption, setId } from './wire/rewrite.js';

/** Cache settings; durations in seconds, the clock in milliseconds. */
export interface CacheConfig {
  /** Upper bound on stored bytes (responses plus per-entry overhead). */
  readonly maxBytes: number;
  /** TTL floor applied when storing (Unbound `cache-min-ttl`). Default 0. */
  readonly minTtl?: number;
  /** TTL ceiling applied when storing. Default 86400. */
  readonly maxTtl?: number;
  /** Ceiling for negative answers (RFC 2308 §5 suggests 1–3 hours). Default 3600. */
  readonly maxNegativeTtl?: number;
  /** How long past expiry an answer may still be served stale (RFC 8767 §5). Default 86400. */
  readonly staleTtl?: number;
  /** TTL of a stale answer (RFC 8767 §4 recommends 30). Default 30. */
  readonly staleAnswerTtl?: number;
  /** Hits after which an entry in the last 10% of its TTL is worth prefetching. Default 3. */
  readonly prefetchHits?: number;
  readonly now: () => number;
}

/** What `get` may adapt the served copy to. */
export interface CacheGetOptions {
  /** Message ID of the query being answered. */
  readonly id?: number;
  /** The query's bytes: its QNAME is copied over the cached one, keeping the client's case. */
  readonly query?: { readonly buf: Uint8Array; readonly qnameEnd: number };
  /** Upstreams failed: an expired entry inside the stale window may be served (RFC 8767 §4). */
  readonly stale?: boolean;
}

/** A served answer. */
export interface CacheHit {
  /** A fresh copy the caller owns, TTLs aged. */
  readonly response: Buffer;
  readonly stale: boolean;
  /** True once per entry lifetime when it is popular and in its last 10%: refresh it. */
  readonly prefetch: boolean;
  /** Seconds of freshness left (0 when stale). */
  readonly ttl: number;
}

/** Counters for metrics. */
export interface CacheStats {
  readonly entries: number;
  readonly bytes: number;
  readonly hits: number;
  readonly misses: number;
  readonly stale: number;
  readonly evictions: number;
}

interface Entry {
  /** The stored answer, its TTLs aged in place by `agedBy` seconds (see `#serve`). */
  bytes: Buffer;
  readonly storedAt: number;
  readonly ttl: number;
  readonly size: number;
  hits: number;
  prefetched: boolean;
  /** Hit since it last reached the old end of the map: eviction gives it a second chance. */
  used: boolean;
  /** The slab generation `bytes` was kept in (answer-slabs.ts). */
  slab: number;
  agedBy: number;
}

// Map slot, entry object, key string header: a rough but stable per-entry cost.
const ENTRY_OVERHEAD = 120;

/** One cursor for `cacheableTtl`, reset per response (it runs to the end without calling out). */
const ttlCursor = new RecordCursor(new Uint8Array(0));

/** Key suffixes by QTYPE, QCLASS and DO (a key is one concatenation), at most 1024 (clients pick them). */
const KEY_SUFFIXES = new Map<number, string>();

/**
 * The cache key: lowercase QNAME text, QTYPE, QCLASS and the DO bit (DNSSEC records differ).
 *
 * The commonest question (A, class IN, no DO) is keyed by the name itself: a concatenation is a
 * cons string, which `Map.get` first flattens (a copy per query) before hashing it. Every other
 * question is `name + " qtype/qclass/do"`. The two forms cannot meet: a bare key holds no space
 * (names from the wire never do, `readName` escapes it as `\032`; a name that does takes the long
 * form), a long key always does, and its suffix (after the last space) has none.
 */
export function cacheKey(name: string, qtype: number, qclass: number, dnssecOk: boolean): string {
  if (qtype === 1 && qclass === 1 && !dnssecOk && name.indexOf(' ') < 0) return name;
  // QTYPE and QCLASS are 16-bit: the number is unique per combination.
  const k = qclass * 0x20000 + qtype * 2 + (dnssecOk ? 1 : 0);
  let suffix = KEY_SUFFIXES.get(k);
  if (suffix === undefined) {
    suffix = ` ${qtype}/${qclass}/${dnssecOk ? 1 : 0}`;
    if (KEY_SUFFIXES.size < 1024) KEY_SUFFIXES.set(k, suffix);
  }
  return name + suffix;
}

/**
 * How long a response may be cached, in seconds, before clamps; -1 when it must not be:
 * truncated (RFC 2181 §9), an RCODE other than NOERROR/NXDOMAIN, malformed, or negative
 * without an SOA (RFC 2308 §5). Negative answers use min(SOA TTL, SOA MINIMUM).
 */
export function cacheableTtl(buf: Uint8Array, len: number): { ttl: number; negative: boolean } | null {
  len = clampLength(buf, len);
  if (len < HEADER_SIZE || (u16(buf, 2) & FLAG.TC) !== 0) return null;
  const rcode = buf[3] & 0xf;
  if (rcode !== RCODE.NOERROR && rcode !== RCODE.NXDOMAIN) return null;
  const negative = rcode === RCODE.NXDOMAIN || u16(buf, 6) === 0;
  let min = Number.POSITIVE_INFINITY;
  let soa = -1;
  const c = ttlCursor.reset(buf, len);
  while (c.next()) {
    if (c.section === SECTION.ADDITIONAL) break;
    let ttl = u32(buf, c.ttlOffset);
    if (ttl > 0x7fffffff) ttl = 0; // RFC 2181 §8
    if (ttl < min) min = ttl;
    // The SOA's MINIMUM is the last 4 bytes of its RDATA (RFC 1035 §3.3.13).
    if (c.type === TYPE.SOA && c.section === SECTION.AUTHORITY && c.rdlength >= 22 && soa < 0) {
      soa = Math.min(ttl, u32(buf, c.recordEnd - 4));
    }
  }
  const error = c.error;
  c.release();
  if (error) return null;
  if (negative) return soa < 0 ? null : { ttl: soa, negative };
  return Number.isFinite(min) ? { ttl: min, negative } : null;
}

/** A byte-bounded cache of DNS responses, evicting CLOCK-style (`#evict`). Build one with `createCache`. */
export class DnsCache {
  readonly #map = new Map<string, Entry>();
  readonly #cfg: Required<CacheConfig>;
  #bytes = 0;
  readonly #slabs = new AnswerSlabs();
  #hits = 0;
  #misses = 0;
  #stale = 0;
  #evictions = 0;

  constructor(config: CacheConfig) {
    this.#cfg = {
      minTtl: 0,
      maxTtl: 86400,
      maxNegativeTtl: 3600,
      staleTtl: 86400,
      staleAnswerTtl: 30,
      prefetchHits: 3,
      ...config,
    };
  }

  /**
   * Stores a copy of an upstream response (already rewritten: ECS stripped, our UDP size).
   * Returns false when it is not cacheable or larger than the whole cache.
   */
  set(key: string, response: Uint8Array, length = response.length): boolean {
    const cfg = this.#cfg;
    const len = clampLength(response, length);
    const info = cacheableTtl(response, len);
    if (info === null) return false;
    const max = info.negative ? Math.min(cfg.maxNegativeTtl, cfg.maxTtl) : cfg.maxTtl;
    const ttl = Math.min(Math.max(info.ttl, cfg.minTtl), max);
    const size = len + key.length * 2 + ENTRY_OVERHEAD;
    if (ttl <= 0 || size > cfg.maxBytes) return false;
    const bytes = this.#slabs.keep(response, len);
    // Clamp once at store time so serving only subtracts the age.
    adjustTtls(bytes, len, 0, cfg.minTtl, max);
    this.delete(key);
    if (this.#bytes + size > cfg.maxBytes) this.#evict(cfg.maxBytes - size);
    const entry: Entry = {
      bytes,
      storedAt: cfg.now(),
      ttl,
      size,
      hits: 0,
      prefetched: false,
      used: false,
      slab: this.#slabs.generation,
      agedBy: 0,
    };
    this.#map.set(key, entry);
    this.#bytes += size;
    return true;
  }

  /**
   * Evicts from the old end of the map (insertion order) until at most `budget` bytes are held,
   * CLOCK-style: an entry hit since it was stored or last spared goes back to the young end once,
   * unmarked, and the next unmarked one goes. A hit only marks its entry: moving it in the map on
   * every hit (delete and set, two more hash-table operations) cost more than the lookup itself
   * when the working set cycles through the cache, and nothing at all when nothing is evicted.
   */
  #evict(budget: number): void {
    for (const [k, e] of this.#map) {
      if (this.#bytes <= budget) return;
      this.#map.delete(k);
      if (e.used) {
        e.used = false;
        this.#map.set(k, e); // visited once more at most: unmarked now
        continue;
      }
      this.#bytes -= e.size;
      this.#evictions++;
    }
  }

  /** Serves a fresh (or, when asked, stale) copy, or null on a miss. */
  get(key: string, opts?: CacheGetOptions): CacheHit | null {
    const entry = this.#map.get(key);
    if (entry === undefined) return this.#miss();
    const cfg = this.#cfg;
    const elapsed = Math.max(0, cfg.now() - entry.storedAt);
    const age = Math.floor(elapsed / 1000);
    const left = entry.ttl - age;
    if (left <= 0) {
      const pastExpiry = elapsed - entry.ttl * 1000;
      if (pastExpiry > cfg.staleTtl * 1000) this.delete(key);
      if (opts?.stale !== true || pastExpiry > cfg.staleTtl * 1000) return this.#miss();
      this.#stale++;
      return { response: this.#serve(entry, 0, opts, true), stale: true, prefetch: false, ttl: 0 };
    }
    this.#hits++;
    entry.hits++;
    entry.used = true;
    // Out of an old slab, so its few popular answers do not keep it alive.
    if (this.#slabs.isOld(entry.slab)) {
      entry.bytes = this.#slabs.keep(entry.bytes, entry.bytes.length);
      entry.slab = this.#slabs.generation;
    }
    let prefetch = false;
    if (!entry.prefetched && entry.hits >= cfg.prefetchHits && left * 10 <= entry.ttl) {
      entry.prefetched = true;
      prefetch = true;
    }
    return { response: this.#serve(entry, age, opts, false), stale: false, prefetch, ttl: left };
  }

  #serve(entry: Entry, age: number, opts: CacheGetOptions | undefined, stale: boolean): Buffer {
    let out: Buffer;
    if (stale) {
      out = Buffer.from(entry.bytes);
      // RFC 8767 §4: stale answers carry a short TTL (30 s) so clients come back soon.
      const staleTtl = this.#cfg.staleAnswerTtl;
      adjustTtls(out, out.length, 0, staleTtl, staleTtl);
      out = appendEdnsOption(out, out.length, encodeEde({ infoCode: EDE_CODE.STALE_ANSWER })) ?? out;
    } else {
      // Aged in place, once a second at most rather than once per hit: TTLs were clamped
      // non-negative, so max(0, max(0, t - a) - (b - a)) = max(0, t - b).
      if (age > entry.agedBy) {
        adjustTtls(entry.bytes, entry.bytes.length, age - entry.agedBy);
        entry.agedBy = age;
      }
      // A copy the caller owns (it writes the ID and may trim OPT), from Node's buffer pool.
      out = Buffer.allocUnsafe(entry.bytes.length);
      entry.bytes.copy(out, 0);
    }
    if (opts?.id !== undefined) setId(out, opts.id);
    const q = opts?.query;
    // Same key means same QNAME up to case, so the lengths match; copy the client's case.
    if (
      q !== undefined &&
      q.qnameEnd <= q.buf.length &&
      skipName(out, HEADER_SIZE, out.length) === q.qnameEnd
    ) {
      out.set(q.buf.subarray(HEADER_SIZE, q.qnameEnd), HEADER_SIZE);
    }
    return out;
  }

  #miss(): null {
    this.#misses++;
    return null;
  }

  /** Removes one entry. */
  delete(key: string): boolean {
    const old = this.#map.get(key);
    if (old === undefined) return false;
    this.#map.delete(key);
    this.#bytes -= old.size;
    return true;
  }

  /** Removes everything (e.g. when a new policy snapshot changes what may be answered). */
  clear(): void {
    this.#map.clear();
    this.#bytes = 0;
  }

  /** Current counters. */
  stats(): CacheStats {
    return {
      entries: this.#map.size,
      bytes: this.#bytes,
      hits: this.#hits,
      misses: this.#misses,
      stale: this.#stale,
      evictions: this.#evictions,
    };
  }
}

/** Builds a cache with an injected clock. */
export function createCache(config: CacheConfig): DnsCache {
  return new DnsCache(config);
}

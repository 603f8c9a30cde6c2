/**
 * The identity map before RADIUS: a client address maps to an ISP and subscriber groups through
 * configured prefixes (longest prefix wins). Looked up once per query, so lookups are cached per
 * address in a small bounded map.
 */
import { maskWords, type Prefix, parseAddress, parsePrefix } from '../core/net/address.js';

/** Who a client is, as far as policy scope is concerned. */
export interface Identity {
  readonly isp: string;
  readonly groups: readonly string[];
  /** Subscriber pseudonym once RADIUS knows it; null before. */
  readonly subscriber: string | null;
}

/** One configured prefix. */
export interface IdentityEntry {
  readonly cidr: string;
  readonly isp: string;
  readonly groups: readonly string[];
}

/** The identity of addresses no prefix covers. */
export const UNKNOWN_IDENTITY: Identity = Object.freeze({
  isp: '',
  groups: Object.freeze([]),
  subscriber: null,
});

const CACHE_LIMIT = 65_536;

/** Longest-prefix map from client address to identity. */
export class CidrIdentityMap {
  readonly #entries: { prefix: Prefix; identity: Identity }[];
  readonly #cache = new Map<string, Identity>();

  constructor(entries: readonly IdentityEntry[]) {
    this.#entries = entries
      .map((e) => {
        const prefix = parsePrefix(e.cidr);
        if (!prefix) throw new RangeError(`identity map: invalid cidr "${e.cidr}"`);
        return {
          prefix,
          identity: Object.freeze({ isp: e.isp, groups: Object.freeze([...e.groups]), subscriber: null }),
        };
      })
      .sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** True when no prefix is configured (every client is UNKNOWN_IDENTITY). */
  get empty(): boolean {
    return this.#entries.length === 0;
  }

  /** The identity of `address` (text form), UNKNOWN_IDENTITY when no prefix covers it. */
  lookup(address: string): Identity {
    if (this.#entries.length === 0) return UNKNOWN_IDENTITY;
    const hit = this.#cache.get(address);
    if (hit) return hit;
    const addr = parseAddress(
      address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address,
    );
    let found = UNKNOWN_IDENTITY;
    if (addr) {
      for (const e of this.#entries) {
        if (e.prefix.family !== addr.family) continue;
        const a = maskWords(addr, e.prefix.length);
        const p = maskWords(e.prefix, e.prefix.length);
        if (a[0] === p[0] && a[1] === p[1] && a[2] === p[2] && a[3] === p[3]) {
          found = e.identity;
          break;
        }
      }
    }
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(address, found);
    return found;
  }
}

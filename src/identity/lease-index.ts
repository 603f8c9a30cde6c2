/**
 * The lease index: which subscriber holds a client address now (hot path, once per DNS query
 * and proxied connection) and which held it at a time T (lawful access). Built from RADIUS
 * accounting (see `accounting.ts`); falls back to the CIDR map when no lease covers an address.
 *
 * Hot path: IPv4 is one probe of an Int32 open-addressing table keyed by the u32 address (behind a
 * membership filter that answers most absent addresses from L2); IPv6 is one probe per delegated
 * prefix length in use (usually one: /56 or /64). Tables hold interned identity ids; identity
 * objects are shared per (ISP, subscriber), so a lookup allocates nothing.
 */
import {
  formatIPv4,
  formatPrefix,
  maskWords,
  parseIPv4,
  parseIPv6,
  parsePrefix,
} from '../core/net/address.js';
import { PrefixTables, U32Table } from './address-table.js';
import { type Identity, UNKNOWN_IDENTITY } from './cidr-map.js';
import { IdentityInterner } from './identity-interner.js';
import { type Lease, LeaseHistory } from './lease-history.js';
import type { Ipv6Prefix } from './radius-wire.js';

export type { Lease } from './lease-history.js';

/** Where identities come from when no lease matches (the CIDR map fits). */
export interface IdentitySource {
  lookup(address: string): Identity;
}

/** Options of `LeaseIndex`. */
export interface LeaseIndexOptions {
  /** Identity of addresses without a lease (default: UNKNOWN_IDENTITY for all). */
  readonly fallback?: IdentitySource;
  /** Policy groups of a subscriber (default: none). */
  readonly groupsOf?: (isp: string, subscriber: string) => readonly string[];
  /**
   * Turns the raw subscriber id into what the Identity carries (the pseudonym layer hooks here);
   * null when no pseudonym can be made now (its shared epoch key is not at hand).
   */
  readonly pseudonymOf?: (isp: string, subscriber: string) => string | null;
  /** Closed leases kept per address (default 32). */
  readonly historyPerAddress?: number;
  /** Recently closed sessions remembered to ignore late retransmits (default 65,536). */
  readonly recentlyClosed?: number;
  /** Expected active leases (sizes the IPv4 table up front). */
  readonly capacity?: number;
}

/** A session as accounting reports it (Start or Interim-Update). */
export interface LeaseInput {
  readonly isp: string;
  readonly nas: string;
  readonly sessionId: string;
  readonly subscriber: string;
  /** Framed-IP-Address as u32, or -1. */
  readonly ipv4: number;
  readonly ipv6: readonly Ipv6Prefix[];
}

/** What `open` did. */
export type OpenResult = 'opened' | 'refreshed' | 'ignored';

interface Held {
  readonly address: string;
  readonly v4: number;
  readonly v6: Ipv6Prefix | null;
  readonly from: number;
}

interface Session {
  readonly key: string;
  readonly nasKey: string;
  input: LeaseInput;
  identityId: number;
  held: Held[];
  seen: number;
}

const NO_FALLBACK: IdentitySource = { lookup: () => UNKNOWN_IDENTITY };

function heldOf(input: LeaseInput, time: number): Held[] {
  const out: Held[] = [];
  if (input.ipv4 >= 0) out.push({ address: formatIPv4(input.ipv4), v4: input.ipv4, v6: null, from: time });
  for (const p of input.ipv6) {
    const address = formatPrefix({ family: 6, words: [p.hi, p.lo, 0, 0], length: p.length });
    out.push({ address, v4: -1, v6: p, from: time });
  }
  return out;
}

/** Told of every lease taken (`id` > 0) or given up (`id` 0), and of identities rebuilt (DNS workers' replicas). */
export interface LeaseObserver {
  lease(v4: number, v6: Ipv6Prefix | null, id: number, identity: Identity | null): void;
  refreshed(): void;
}

/** Active leases by address plus the history of closed ones. */
export class LeaseIndex {
  #observer: LeaseObserver | null = null;
  readonly #fallback: IdentitySource;
  readonly #interner: IdentityInterner;
  readonly #v4: U32Table;
  readonly #v6 = new PrefixTables();
  readonly #sessions = new Map<string, Session>();
  readonly #byNas = new Map<string, Set<Session>>();
  readonly #owner = new Map<string, Session>();
  readonly #closed = new Map<string, number>();
  readonly #closedLimit: number;
  readonly #history: LeaseHistory;

  constructor(options: LeaseIndexOptions = {}) {
    this.#fallback = options.fallback ?? NO_FALLBACK;
    this.#interner = new IdentityInterner(options.groupsOf, options.pseudonymOf);
    this.#v4 = new U32Table(options.capacity ?? 1024);
    this.#history = new LeaseHistory(options.historyPerAddress);
    this.#closedLimit = options.recentlyClosed ?? 65_536;
  }

  /** Active sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Closed leases kept in the history. */
  get historySize(): number {
    return this.#history.size;
  }

  /** The identity of `address` now: its lease's, else the fallback's. Never throws. */
  lookup(address: string): Identity {
    const id = this.idOf(address);
    return id !== 0 ? this.#interner.identities[id] : this.#fallback.lookup(address);
  }

  /** `lookup` for an IPv4 address already parsed to a u32 (skips text parsing). */
  lookupV4(address: number): Identity {
    const id = this.#v4.get(address);
    if (id !== 0) return this.#interner.identities[id];
    return this.#fallback === NO_FALLBACK ? UNKNOWN_IDENTITY : this.#fallback.lookup(formatIPv4(address));
  }

  /**
   * The integer hot path: the identity id leasing `address` now, or 0 (no lease: the fallback
   * decides). `identityOf` and `subscriberOf` read the id's identity when (and if) it is needed.
   */
  idOf(address: string): number {
    let v4 = parseIPv4(address);
    // Dual-stack sockets report IPv4 clients as IPv4-mapped IPv6 (RFC 4291 §2.5.5.2).
    if (v4 < 0 && address.startsWith('::ffff:')) v4 = parseIPv4(address, 7);
    if (v4 >= 0) return this.#v4.get(v4);
    const words = this.#v6.empty ? null : parseIPv6(address);
    return words === null ? 0 : this.#v6.get(words[0], words[1]);
  }

  /** `idOf` for an IPv4 address already parsed to a u32 (the fastest path). */
  idOfV4(address: number): number {
    return this.#v4.get(address);
  }

  /** The identity of an id `idOf` returned (> 0); ids are reused once their last lease closes. */
  identityOf(id: number): Identity {
    return this.#interner.identities[id] ?? UNKNOWN_IDENTITY;
  }

  /** The subscriber (as `pseudonymOf` shows it) of an id `idOf` returned (> 0). */
  subscriberOf(id: number): string | null {
    return this.#interner.subscribers[id] ?? null;
  }

  /**
   * Start or Interim-Update: opens the session or brings its addresses up to date. A Start or
   * Interim older than the Stop that closed the session (a late retransmit) is ignored.
   */
  open(input: LeaseInput, time: number): OpenResult {
    const key = `${input.isp}\0${input.nas}\0${input.sessionId}`;
    const closedAt = this.#closed.get(key);
    if (closedAt !== undefined && time <= closedAt) return 'ignored';
    let s = this.#sessions.get(key);
    const result: OpenResult = s === undefined ? 'opened' : 'refreshed';
    if (s === undefined) {
      const nasKey = `${input.isp}\0${input.nas}`;
      const identityId = this.#interner.acquire(input.isp, input.subscriber);
      s = { key, nasKey, input, identityId, held: [], seen: time };
      this.#sessions.set(key, s);
      const set = this.#byNas.get(nasKey) ?? new Set<Session>();
      this.#byNas.set(nasKey, set);
      set.add(s);
    } else if (s.input.subscriber !== input.subscriber) {
      // The session changed hands (rare): close the old lease records, keep the session.
      for (const h of [...s.held]) this.#release(s, h, time);
      this.#interner.release(s.identityId);
      s.identityId = this.#interner.acquire(input.isp, input.subscriber);
    }
    s.input = input;
    s.seen = Math.max(s.seen, time);
    const wanted = heldOf(input, time);
    for (const h of [...s.held]) if (!wanted.some((w) => w.address === h.address)) this.#release(s, h, time);
    for (const w of wanted) if (!s.held.some((h) => h.address === w.address)) this.#claim(s, w, time);
    return result;
  }

  /** Stop: closes the session's leases at `time`; false when the session was not open. */
  close(isp: string, nas: string, sessionId: string, time: number): boolean {
    const key = `${isp}\0${nas}\0${sessionId}`;
    this.#rememberClosed(key, time);
    const s = this.#sessions.get(key);
    if (s === undefined) return false;
    this.#end(s, time);
    return true;
  }

  /** Accounting-On/Off (RFC 2866 §5.1): closes every session of one NAS; returns how many. */
  closeNas(isp: string, nas: string, time: number): number {
    const set = this.#byNas.get(`${isp}\0${nas}`);
    if (set === undefined) return 0;
    const sessions = [...set];
    for (const s of sessions) this.#end(s, time);
    return sessions.length;
  }

  /** Closes sessions not refreshed since `before` (missed Stops); returns how many. */
  sweep(before: number, now: number): number {
    const stale = [...this.#sessions.values()].filter((s) => s.seen < before);
    for (const s of stale) this.#end(s, now);
    return stale.length;
  }

  /** Drops closed leases that ended before `before` (history retention). */
  pruneHistory(before: number): number {
    return this.#history.prune(before);
  }

  /** Rebuilds every identity (after a pseudonym epoch rotates or subscriber groups change). */
  refreshIdentities(): void {
    this.#interner.refresh();
    this.#observer?.refreshed();
  }

  /** Reports every later lease change to `o`; `active()` gives the leases held before. */
  observe(o: LeaseObserver | null): void {
    this.#observer = o;
  }

  /** The leases held now, as an observer would have been told of them. */
  *active(): Generator<{ v4: number; v6: Ipv6Prefix | null; id: number; identity: Identity }> {
    for (const [address, s] of this.#owner) {
      const h = s.held.find((x) => x.address === address);
      if (h) yield { v4: h.v4, v6: h.v6, id: s.identityId, identity: this.identityOf(s.identityId) };
    }
  }

  /** The lease of `address` (or IPv6 prefix text) at `time`, active or closed, or null. */
  at(address: string, time: number): Lease | null {
    for (const candidate of this.#candidates(address)) {
      const s = this.#owner.get(candidate);
      const h = s?.held.find((x) => x.address === candidate);
      if (s !== undefined && h !== undefined && h.from <= time) return this.#leaseOf(s, h, null);
      const closed = this.#history.find(candidate, time);
      if (closed !== null) return closed;
    }
    return null;
  }

  /** Every closed lease of an address or prefix (canonical text), oldest first. */
  historyOf(address: string): readonly Lease[] {
    return this.#history.list(address);
  }

  #candidates(text: string): string[] {
    const p = parsePrefix(text.startsWith('::ffff:') && text.includes('.') ? text.slice(7) : text);
    if (p === null) return [];
    if (p.family === 4 || p.length < 128) return [formatPrefix(p)];
    return this.#v6.lengthsSeen.map((len) =>
      formatPrefix({ family: 6, words: maskWords(p, len), length: len }),
    );
  }

  #leaseOf(s: Session, h: Held, to: number | null): Lease {
    const { isp, subscriber, nas, sessionId } = s.input;
    return { address: h.address, isp, subscriber, nas, sessionId, from: h.from, to };
  }

  #claim(s: Session, h: Held, time: number): void {
    const previous = this.#owner.get(h.address);
    if (previous !== undefined && previous !== s) {
      const theirs = previous.held.find((x) => x.address === h.address);
      if (theirs !== undefined) this.#release(previous, theirs, time);
    }
    this.#owner.set(h.address, s);
    s.held.push(h);
    if (h.v6 === null) this.#v4.set(h.v4, s.identityId);
    else this.#v6.set(h.v6, s.identityId);
    this.#observer?.lease(h.v4, h.v6, s.identityId, this.identityOf(s.identityId));
  }

  #release(s: Session, h: Held, time: number): void {
    s.held.splice(s.held.indexOf(h), 1);
    if (this.#owner.get(h.address) === s) {
      this.#owner.delete(h.address);
      if (h.v6 === null) this.#v4.delete(h.v4);
      else this.#v6.delete(h.v6);
      this.#observer?.lease(h.v4, h.v6, 0, null);
    }
    this.#history.add(this.#leaseOf(s, h, time));
  }

  #end(s: Session, time: number): void {
    for (const h of [...s.held]) this.#release(s, h, time);
    this.#sessions.delete(s.key);
    this.#byNas.get(s.nasKey)?.delete(s);
    if (this.#byNas.get(s.nasKey)?.size === 0) this.#byNas.delete(s.nasKey);
    this.#interner.release(s.identityId);
    this.#rememberClosed(s.key, time);
  }

  #rememberClosed(key: string, time: number): void {
    this.#closed.delete(key);
    this.#closed.set(key, time);
    if (this.#closed.size > this.#closedLimit) {
      const oldest = this.#closed.keys().next().value;
      if (oldest !== undefined) this.#closed.delete(oldest);
    }
  }
}

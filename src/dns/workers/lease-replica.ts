/**
 * A DNS worker's replica of the RADIUS lease index: the active leases only (address or prefix →
 * identity), kept up to date by the changes main forwards (`LeaseIndex.observe`). History, sessions
 * and pseudonym keys stay on main; a worker only needs who holds an address now.
 *
 * Cost per worker: the same open-addressing tables as the main index (IPv4: two Int32 slots per
 * lease at ≤ 50 % load, ~16 B; IPv6: ~24 B per prefix) plus one small identity object per distinct
 * subscriber (~120 B with its pseudonym string): about 150 MB for a million subscribers, per
 * worker. The policy, by contrast, is never copied (see messages.ts).
 */
import { formatIPv4, parseIPv4, parseIPv6 } from '../../core/net/address.js';
import { PrefixTables, U32Table } from '../../identity/address-table.js';
import { type Identity, UNKNOWN_IDENTITY } from '../../identity/cidr-map.js';
import type { LeaseChange } from './messages.js';

/** Where identities come from when no lease matches (the CIDR map). */
interface Fallback {
  lookup(address: string): Identity;
}

/** Active leases by address, replicated from main's lease index. */
export class LeaseReplica {
  readonly #fallback: Fallback;
  #v4 = new U32Table(1024);
  #v6 = new PrefixTables();
  /** Identity by main's interned id (ids are reused there, and every claim resends its identity). */
  #identities: (Identity | undefined)[] = [];

  constructor(fallback: Fallback) {
    this.#fallback = fallback;
  }

  /** Applies changes in the order main made them; `reset` first forgets everything (a resync). */
  apply(changes: readonly LeaseChange[], reset = false): void {
    if (reset) {
      this.#v4 = new U32Table(Math.max(1024, changes.length * 2));
      this.#v6 = new PrefixTables();
      this.#identities = [];
    }
    for (const c of changes) {
      if (c.id > 0 && c.identity !== null) this.#identities[c.id] = Object.freeze(c.identity);
      if (c.v6 === null) {
        if (c.id > 0) this.#v4.set(c.v4, c.id);
        else this.#v4.delete(c.v4);
      } else if (c.id > 0) this.#v6.set(c.v6, c.id);
      else this.#v6.delete(c.v6);
    }
  }

  /** `lookup` for an IPv4 address already parsed to a u32 (as `LeaseIndex.lookupV4`). */
  lookupV4(address: number): Identity {
    const id = this.#v4.get(address);
    return id !== 0 ? (this.#identities[id] ?? UNKNOWN_IDENTITY) : this.#fallback.lookup(formatIPv4(address));
  }

  /** The identity of `address` now: its lease's, else the fallback's (as `LeaseIndex.lookup`). */
  lookup(address: string): Identity {
    let v4 = parseIPv4(address);
    // Dual-stack sockets report IPv4 clients as IPv4-mapped IPv6 (RFC 4291 §2.5.5.2).
    if (v4 < 0 && address.startsWith('::ffff:')) v4 = parseIPv4(address.slice(7));
    let id = 0;
    if (v4 >= 0) id = this.#v4.get(v4);
    else if (!this.#v6.empty) {
      const words = parseIPv6(address);
      if (words !== null) id = this.#v6.get(words[0], words[1]);
    }
    return id !== 0 ? (this.#identities[id] ?? UNKNOWN_IDENTITY) : this.#fallback.lookup(address);
  }
}

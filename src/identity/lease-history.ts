/**
 * Closed leases, for "who held this address at time T" (lawful access, later, through a
 * warrant): per address, newest last, bounded per address and pruned by retention age.
 * Subscribers are kept raw here; the access layer decides what it may reveal.
 */

/** One lease of an address (or IPv6 prefix) by one accounting session. */
export interface Lease {
  /** `100.64.0.42`, or an IPv6 prefix `2001:db8:1::/56` (canonical text). */
  readonly address: string;
  readonly isp: string;
  /** The raw subscriber id from accounting (never the pseudonym). */
  readonly subscriber: string;
  readonly nas: string;
  readonly sessionId: string;
  /** Epoch milliseconds the lease began (accounting event time). */
  readonly from: number;
  /** Epoch milliseconds it ended, or null while it is active. */
  readonly to: number | null;
}

/** Bounded history of closed leases by address. */
export class LeaseHistory {
  readonly #byAddress = new Map<string, Lease[]>();
  readonly #perAddress: number;
  #count = 0;

  /** Keeps at most `perAddress` closed leases for each address (oldest dropped first). */
  constructor(perAddress = 32) {
    this.#perAddress = Math.max(1, perAddress);
  }

  /** Closed leases held. */
  get size(): number {
    return this.#count;
  }

  /** Appends a closed lease (`to` set). */
  add(lease: Lease): void {
    let list = this.#byAddress.get(lease.address);
    if (list === undefined) {
      list = [];
      this.#byAddress.set(lease.address, list);
    }
    list.push(lease);
    this.#count++;
    if (list.length > this.#perAddress) {
      list.shift();
      this.#count--;
    }
  }

  /** The closed lease of `address` covering `time` (from ≤ time < to), newest first, or null. */
  find(address: string, time: number): Lease | null {
    const list = this.#byAddress.get(address);
    if (list === undefined) return null;
    for (let i = list.length - 1; i >= 0; i--) {
      const l = list[i];
      if (l.from <= time && (l.to === null || time < l.to)) return l;
    }
    return null;
  }

  /** Every closed lease of `address`, oldest first. */
  list(address: string): readonly Lease[] {
    return this.#byAddress.get(address) ?? [];
  }

  /** Drops leases that ended before `before` (retention); returns how many were dropped. */
  prune(before: number): number {
    let dropped = 0;
    for (const [address, list] of this.#byAddress) {
      const keep = list.filter((l) => l.to === null || l.to >= before);
      dropped += list.length - keep.length;
      if (keep.length === 0) this.#byAddress.delete(address);
      else if (keep.length !== list.length) this.#byAddress.set(address, keep);
    }
    this.#count -= dropped;
    return dropped;
  }
}

/**
 * Interned identities: one frozen `Identity` per (ISP, subscriber), shared by every lease of
 * that subscriber and addressed by a small integer id (what the lease tables store). Ids are
 * reference-counted and reused, so memory follows the active subscribers, not the churn.
 */
import type { Identity } from './cidr-map.js';

type GroupsOf = (isp: string, subscriber: string) => readonly string[];
type PseudonymOf = (isp: string, subscriber: string) => string | null;

const NO_GROUPS: readonly string[] = Object.freeze([]);

/** Identity objects by id; id 0 is never used (the tables' "empty"). */
export class IdentityInterner {
  /** Identity by id (index 0 unused). Read directly on the hot path. */
  readonly identities: Identity[] = [Object.freeze({ isp: '', groups: NO_GROUPS, subscriber: null })];
  /** Subscriber as shown (pseudonym) by id, parallel to `identities` (one field, not the object). */
  readonly subscribers: (string | null)[] = [null];
  readonly #ids = new Map<string, number>();
  readonly #keys: string[] = [''];
  readonly #refs: number[] = [0];
  readonly #free: number[] = [];
  readonly #groupsOf: GroupsOf | undefined;
  readonly #pseudonymOf: PseudonymOf | undefined;

  constructor(groupsOf?: GroupsOf, pseudonymOf?: PseudonymOf) {
    this.#groupsOf = groupsOf;
    this.#pseudonymOf = pseudonymOf;
  }

  /** Distinct identities in use. */
  get size(): number {
    return this.#ids.size;
  }

  /** The id of (isp, subscriber), created on first use; each call takes one reference. */
  acquire(isp: string, subscriber: string): number {
    const key = `${isp}\0${subscriber}`;
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = this.#free.pop() ?? this.identities.length;
      this.#put(id, isp, subscriber);
      this.#keys[id] = key;
      this.#refs[id] = 0;
      this.#ids.set(key, id);
    }
    this.#refs[id]++;
    return id;
  }

  /** Drops one reference; the id is recycled when none remain. */
  release(id: number): void {
    if (id <= 0 || --this.#refs[id] > 0) return;
    this.#ids.delete(this.#keys[id]);
    this.#keys[id] = '';
    this.subscribers[id] = null;
    this.#free.push(id);
  }

  /**
   * Rebuilds every live identity in place (same ids), e.g. after a pseudonym epoch rotates. The new
   * objects are allocated back to back in id order, which also packs them for the hot path's reads.
   */
  refresh(): void {
    for (let id = 1; id < this.#keys.length; id++) {
      const key = this.#keys[id] as string;
      if (key === '') continue;
      const cut = key.indexOf('\0');
      this.#put(id, key.slice(0, cut), key.slice(cut + 1));
    }
  }

  #put(id: number, isp: string, subscriber: string): void {
    const identity = this.#build(isp, subscriber);
    this.identities[id] = identity;
    this.subscribers[id] = identity.subscriber;
  }

  #build(isp: string, subscriber: string): Identity {
    const groups = this.#groupsOf ? Object.freeze([...this.#groupsOf(isp, subscriber)]) : NO_GROUPS;
    const shown = this.#pseudonymOf ? this.#pseudonymOf(isp, subscriber) : subscriber;
    return Object.freeze({ isp, groups, subscriber: shown });
  }
}

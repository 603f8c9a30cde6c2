/**
 * Builds the domain table (layout in domain-table.ts) from rules in compile order. Off the
 * hot path: it hashes each name once, inserts it by linear probing, and lays the result out
 * in one SharedArrayBuffer.
 */
import { FOLD, filterBits, filterWord, hashBytes, home, MAX_NAME, SLOT_INTS } from './domain-hash.js';
import type { DomainTableLayout } from './domain-table.js';
import { DUPS_BIT } from './rule-meta.js';

/** Slots per rule at most 0.7 full: ~6 probes for a miss that passes the filter, ~1.2 for a hit. */
const LOAD = 0.7;
/** Rule ids are slot indexes, held in an int32 (with room for the address and URL rules after). */
const MAX_IDS = 0x3fffffff;

/** Builds a table from names (canonical, lowercase) and their packed metas, in rule order. */
export class DomainTableBuilder {
  /** Name pool under construction: per rule a length byte, then the name's bytes. */
  #names = new Uint8Array(1 << 20);
  #namesLength = 0;
  #at: number[] = [];
  #metas: number[] = [];
  #capacity: number | undefined;

  /** `capacity` forces the number of home slots (tests use it to force collisions). */
  constructor(options: { capacity?: number } = {}) {
    this.#capacity = options.capacity;
  }

  /** Appends one rule; the first rule with a name gets its slot, later ones the overflow. */
  add(name: string, meta: number): void {
    if (name.length > MAX_NAME) throw new RangeError(`domain rule longer than ${MAX_NAME}: "${name}"`);
    if (this.#metas.length >= MAX_IDS) throw new RangeError(`more than ${MAX_IDS} domain rules`);
    const need = this.#namesLength + 1 + name.length;
    if (need > this.#names.length) {
      const grown = new Uint8Array(Math.max(this.#names.length * 2, need));
      grown.set(this.#names.subarray(0, this.#namesLength));
      this.#names = grown;
    }
    this.#at.push(this.#namesLength);
    this.#names[this.#namesLength++] = name.length;
    // Canonical names are lowercase already; folding again keeps the table consistent anyway.
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      this.#names[this.#namesLength++] = c < 128 ? FOLD[c] : c;
    }
    this.#metas.push(meta);
  }

  /** Lays the table out in a new SharedArrayBuffer. */
  build(): { buffer: SharedArrayBuffer; layout: DomainTableLayout } {
    const n = this.#metas.length;
    const capacity = this.#capacity ?? Math.max(8, Math.ceil(n / LOAD));
    // Lookups stop at an empty slot: there must always be one.
    if (capacity <= n)
      throw new RangeError(`capacity ${capacity} leaves no empty slot for ${n} domain rules`);
    // About 8 bits per rule, a power of two (1 MiB for a million rules: ~5% false positives).
    const filterWords = Math.min(1 << 21, Math.max(32, 2 ** Math.ceil(Math.log2(Math.max(1, n) * 8)) / 32));
    const filter = new Int32Array(filterWords);
    const slots = new Int32Array(capacity * SLOT_INTS);
    const names = this.#names;
    // Same-name rules: their head slot and their own meta, in rule order.
    const dupHead: number[] = [];
    const dupMeta: number[] = [];
    let minLabels = n === 0 ? 1 : 127;
    for (let r = 0; r < n; r++) {
      const at = this.#at[r];
      const len = names[at];
      const h = hashBytes(names, at + 1, at + 1 + len);
      filter[filterWord(h, filterWords)] |= filterBits(h);
      const head = insert(slots, names, h, at, this.#metas[r]);
      if (head >= 0) {
        dupHead.push(head);
        dupMeta.push(this.#metas[r]);
      }
      let labels = 1;
      for (let k = at + 1; k <= at + len; k++) if (names[k] === 46) labels++;
      if (labels < minLabels) minLabels = labels;
    }
    if (capacity + dupHead.length > MAX_IDS) throw new RangeError(`more than ${MAX_IDS} domain rule ids`);
    const { overflow, dups } = layOverflow(slots, dupHead, dupMeta);
    const layout = {
      capacity,
      count: n,
      overflow: dupHead.length,
      filterWords,
      minLabels,
      filterOffset: 0,
      slotsOffset: filterWords * 4,
      namesOffset: filterWords * 4 + (capacity + dupHead.length) * SLOT_INTS * 4,
      namesLength: this.#namesLength,
      dups,
    };
    const buffer = new SharedArrayBuffer(layout.namesOffset + layout.namesLength);
    new Int32Array(buffer, layout.filterOffset, filterWords).set(filter);
    new Int32Array(buffer, layout.slotsOffset, slots.length + overflow.length).set(slots);
    new Int32Array(buffer, layout.slotsOffset + slots.length * 4, overflow.length).set(overflow);
    new Uint8Array(buffer, layout.namesOffset, layout.namesLength).set(names.subarray(0, this.#namesLength));
    this.#names = new Uint8Array(0);
    this.#at = [];
    this.#metas = [];
    return { buffer, layout };
  }
}

/**
 * Inserts the name at pool offset `at` with hash `h`. Returns -1 when it took a slot, or the
 * index of the slot already holding the same name (whose meta then gets DUPS_BIT).
 */
function insert(slots: Int32Array, names: Uint8Array, h: number, at: number, meta: number): number {
  const capacity = slots.length / SLOT_INTS;
  const len = names[at];
  for (let i = home(h, capacity); ; i = i + 1 === capacity ? 0 : i + 1) {
    const s = i * SLOT_INTS;
    const other = slots[s + 1] - 1;
    if (other < 0) {
      slots[s] = h;
      slots[s + 1] = at + 1;
      slots[s + 2] = meta;
      return -1;
    }
    if (slots[s] !== h || names[other] !== len) continue;
    let k = 1;
    while (k <= len && names[other + k] === names[at + k]) k++;
    if (k <= len) continue;
    slots[s + 2] |= DUPS_BIT;
    return i;
  }
}

/**
 * The overflow slots (after the `capacity` home slots), grouped by head in rule order, each
 * pointing at its head's name; and the flat `[head, first overflow id, count, …]` index.
 */
function layOverflow(
  slots: Int32Array,
  dupHead: readonly number[],
  dupMeta: readonly number[],
): { overflow: Int32Array; dups: number[] } {
  const capacity = slots.length / SLOT_INTS;
  const groups = new Map<number, number[]>();
  dupHead.forEach((head, j) => {
    const list = groups.get(head);
    if (list) list.push(j);
    else groups.set(head, [j]);
  });
  const overflow = new Int32Array(dupHead.length * SLOT_INTS);
  const dups: number[] = [];
  let next = 0;
  for (const [head, members] of groups) {
    dups.push(head, capacity + next, members.length);
    for (const j of members) {
      const s = next++ * SLOT_INTS;
      overflow[s] = slots[head * SLOT_INTS];
      overflow[s + 1] = slots[head * SLOT_INTS + 1];
      overflow[s + 2] = dupMeta[j];
    }
  }
  return { overflow, dups };
}

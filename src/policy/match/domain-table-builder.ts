/**
 * Builds the domain table (layout in domain-table.ts) from rules in compile order. Off the
 * hot path: it hashes each name once, inserts it by linear probing, and lays the result out
 * in one SharedArrayBuffer.
 */
import {
  FOLD,
  filterBits,
  filterWord,
  finish,
  home,
  MAX_NAME,
  PRIME,
  SEED,
  SLOT_INTS,
} from './domain-hash.js';
import type { DomainTableLayout } from './domain-table.js';
import { DUPS_BIT } from './rule-meta.js';

/** Slots per rule at most 0.7 full: ~6 probes for a miss that passes the filter, ~1.2 for a hit. */
const LOAD = 0.7;
/** Rule ids are slot indexes, held in an int32 (with room for the address and URL rules after). */
const MAX_IDS = 0x3fffffff;

/**
 * Builds a table from names (canonical, lowercase) and their packed metas, in rule order.
 *
 * Memory: the only buffer it allocates is the final SharedArrayBuffer. Everything temporary
 * (the names, the probe table) lives in plain JS arrays on the V8 heap. Typed-array backing
 * stores come from malloc, and glibc keeps a thread's freed malloc memory resident after the
 * thread ends: the compile worker's grown name pool and probe table (~50 MiB for a million
 * rules) stayed in the data plane's RSS for good. V8 heap pages are unmapped when freed.
 */
export class DomainTableBuilder {
  /** Rule names in rule order (references to the rules' own strings: no copy). */
  #names: string[] = [];
  /** Pool offset of each rule's length byte, in rule order. */
  #at: number[] = [];
  #metas: number[] = [];
  #namesLength = 0;
  #capacity: number | undefined;

  /** `capacity` forces the number of home slots (tests use it to force collisions). */
  constructor(options: { capacity?: number } = {}) {
    this.#capacity = options.capacity;
  }

  /** Appends one rule; the first rule with a name gets its slot, later ones the overflow. */
  add(name: string, meta: number): void {
    if (name.length > MAX_NAME) throw new RangeError(`domain rule longer than ${MAX_NAME}: "${name}"`);
    if (this.#metas.length >= MAX_IDS) throw new RangeError(`more than ${MAX_IDS} domain rules`);
    this.#names.push(name);
    this.#at.push(this.#namesLength);
    this.#namesLength += 1 + name.length;
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
    const names = this.#names;
    const hashes = names.map(hashName);
    // The probe table: per home slot, the rule holding it + 1 (0 = empty), and its hash (probes
    // compare hashes slot by slot, in order, as the lookup does).
    const rules: number[] = new Array<number>(capacity).fill(0);
    const slotHashes: number[] = new Array<number>(capacity).fill(0);
    const metas = this.#metas;
    // Same-name rules: their head slot and their own meta, in rule order.
    const dupHead: number[] = [];
    const dupMeta: number[] = [];
    let minLabels = n === 0 ? 1 : 127;
    for (let r = 0; r < n; r++) {
      const head = insert(rules, slotHashes, names, hashes[r], r);
      if (head >= 0) {
        dupHead.push(head);
        dupMeta.push(metas[r]);
        metas[rules[head] - 1] |= DUPS_BIT;
      }
      const labels = countLabels(names[r]);
      if (labels < minLabels) minLabels = labels;
    }
    if (capacity + dupHead.length > MAX_IDS) throw new RangeError(`more than ${MAX_IDS} domain rule ids`);
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
      dups: [] as number[],
    };
    const buffer = new SharedArrayBuffer(layout.namesOffset + layout.namesLength);
    const filter = new Int32Array(buffer, layout.filterOffset, filterWords);
    for (const h of hashes) filter[filterWord(h, filterWords)] |= filterBits(h);
    const slots = new Int32Array(buffer, layout.slotsOffset, (capacity + dupHead.length) * SLOT_INTS);
    for (let i = 0; i < capacity; i++) {
      const r = rules[i] - 1;
      if (r < 0) continue;
      slots[i * SLOT_INTS] = slotHashes[i];
      slots[i * SLOT_INTS + 1] = this.#at[r] + 1;
      slots[i * SLOT_INTS + 2] = metas[r];
    }
    layout.dups = layOverflow(slots, capacity, dupHead, dupMeta);
    writeNames(new Uint8Array(buffer, layout.namesOffset, layout.namesLength), names);
    this.#names = [];
    this.#at = [];
    this.#metas = [];
    return { buffer, layout };
  }
}

/** `hashBytes` of the bytes `writeNames` stores for `name`, computed from the string. */
function hashName(name: string): number {
  let h = SEED;
  for (let i = name.length - 1; i >= 0; i--) h = Math.imul(h ^ storedByte(name.charCodeAt(i)), PRIME);
  return finish(h);
}

/** The pool byte of a char code: ASCII folded (FOLD), anything else its low byte (a Uint8Array store). */
function storedByte(c: number): number {
  return c < 128 ? FOLD[c] : c & 0xff;
}

function countLabels(name: string): number {
  let labels = 1;
  for (let k = 0; k < name.length; k++) if (name.charCodeAt(k) === 46) labels++;
  return labels;
}

/** Whether two names store the same pool bytes. */
function sameName(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++)
    if (storedByte(a.charCodeAt(k)) !== storedByte(b.charCodeAt(k))) return false;
  return true;
}

/** Per name a length byte, then its bytes (folded: canonical names are lowercase already). */
function writeNames(pool: Uint8Array, names: readonly string[]): void {
  let at = 0;
  for (const name of names) {
    pool[at++] = name.length;
    for (let i = 0; i < name.length; i++) pool[at++] = storedByte(name.charCodeAt(i));
  }
}

/**
 * Inserts rule `r` by linear probing. Returns -1 when it took a slot, or the index of the slot
 * already holding the same name (whose meta then gets DUPS_BIT).
 */
function insert(
  rules: number[],
  slotHashes: number[],
  names: readonly string[],
  h: number,
  r: number,
): number {
  const capacity = rules.length;
  for (let i = home(h, capacity); ; i = i + 1 === capacity ? 0 : i + 1) {
    const other = rules[i] - 1;
    if (other < 0) {
      rules[i] = r + 1;
      slotHashes[i] = h;
      return -1;
    }
    if (slotHashes[i] === h && sameName(names[other], names[r])) return i;
  }
}

/**
 * Writes the overflow slots (after the `capacity` home slots), grouped by head in rule order, each
 * pointing at its head's name; returns the flat `[head, first overflow id, count, …]` index.
 */
function layOverflow(
  slots: Int32Array,
  capacity: number,
  dupHead: readonly number[],
  dupMeta: readonly number[],
): number[] {
  const groups = new Map<number, number[]>();
  dupHead.forEach((head, j) => {
    const list = groups.get(head);
    if (list) list.push(j);
    else groups.set(head, [j]);
  });
  const dups: number[] = [];
  let next = 0;
  for (const [head, members] of groups) {
    dups.push(head, capacity + next, members.length);
    for (const j of members) {
      const s = (capacity + next++) * SLOT_INTS;
      slots[s] = slots[head * SLOT_INTS];
      slots[s + 1] = slots[head * SLOT_INTS + 1];
      slots[s + 2] = dupMeta[j];
    }
  }
  return dups;
}

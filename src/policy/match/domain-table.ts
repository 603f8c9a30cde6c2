/**
 * The domain matcher: an open-addressing hash table over flat typed arrays in one
 * SharedArrayBuffer, so worker threads share it without copying and it serialises as is.
 *
 * Layout (all little-endian, 4-byte aligned, offsets in `DomainTableLayout`):
 *   filter  Int32[filterWords] one bit per rule name (bits from the hash): a miss here costs
 *                              one access to a cache-resident megabyte instead of a probe
 *                              into the table (most lookups are of names nobody ordered)
 *   slots   Int32[capacity]   0 = empty, else (tag << 24) | (ruleIndex + 1)
 *   meta    Uint32[n]         packed rule (rule-meta.ts)
 *   nameOff Uint32[n + 1]     name i is names[nameOff[i] .. nameOff[i+1])
 *   names   Uint8[...]        lowercase ASCII names, no trailing dot
 *
 * Names hash right to left, so one pass over a query yields the hash of every suffix
 * (`a.b.example.com` → `com`, `example.com`, `b.example.com`, …): a lookup costs one
 * pass plus one probe per label. Rules sharing a name keep the first in the table and
 * the others in a small overflow map (rare: the same name in two orders).
 */
import { type Candidates, DUPS_BIT, KIND_EXACT, KIND_SHIFT, KIND_SUBDOMAINS } from './rule-meta.js';

const SEED = 0x811c9dc5;
const PRIME = 0x01000193;
const MAX_RULES = 0xffffff - 1;
const LOAD = 0.7;

/** Where each array lives inside the shared buffer. */
export interface DomainTableLayout {
  readonly capacity: number;
  readonly count: number;
  readonly filterWords: number;
  /** Fewest labels in any rule name: shorter suffixes (`com`) are never probed. */
  readonly minLabels: number;
  readonly filterOffset: number;
  readonly slotsOffset: number;
  readonly metaOffset: number;
  readonly nameOffOffset: number;
  readonly namesOffset: number;
  readonly namesLength: number;
  /** Overflow chains: head rule index → further rule indexes with the same name. */
  readonly dups: ReadonlyArray<readonly [number, readonly number[]]>;
}

function finish(h: number): number {
  // murmur3 fmix32: spreads FNV's low-entropy high bits before slot and tag are taken.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  // Kept a signed int32 (a V8 small integer on the hot path, never a heap double).
  return h ^ (h >>> 16);
}

/** The first slot to probe: the hash's low 31 bits modulo the capacity (integer arithmetic). */
function home(h: number, capacity: number): number {
  return (h & 0x7fffffff) % capacity;
}

/** The filter bit of a hash: bits 9..31, so independent of the slot's home and tag. */
function filterBit(h: number, words: number): number {
  return (h >>> 9) & (words * 32 - 1);
}

/** The 8-bit tag kept in a slot to skip most name comparisons. */
function tagOf(h: number): number {
  return (h >>> 24) & 0xff;
}

/** Builds a table from parallel lists of names (canonical, lowercase) and packed metas. */
export class DomainTableBuilder {
  #names = new Uint8Array(1 << 20);
  #namesLength = 0;
  #offsets: number[] = [0];
  #metas: number[] = [];

  /** Appends one rule; returns its rule index. */
  add(name: string, meta: number): number {
    const index = this.#metas.length;
    if (index >= MAX_RULES) throw new RangeError(`more than ${MAX_RULES} domain rules`);
    if (this.#namesLength + name.length > this.#names.length) {
      const grown = new Uint8Array(Math.max(this.#names.length * 2, this.#namesLength + name.length));
      grown.set(this.#names.subarray(0, this.#namesLength));
      this.#names = grown;
    }
    for (let i = 0; i < name.length; i++) this.#names[this.#namesLength++] = name.charCodeAt(i);
    this.#offsets.push(this.#namesLength);
    this.#metas.push(meta);
    return index;
  }

  /** Lays the table out in a new SharedArrayBuffer starting at `base` bytes. */
  build(): { buffer: SharedArrayBuffer; layout: DomainTableLayout } {
    const n = this.#metas.length;
    const capacity = Math.max(8, Math.ceil(n / LOAD));
    // About 8 bits per rule, a power of two (1 MiB for a million rules: ~12% false positives).
    const filterWords = Math.min(1 << 21, Math.max(32, 2 ** Math.ceil(Math.log2(Math.max(1, n) * 8)) / 32));
    const filterOffset = 0;
    const slotsOffset = filterOffset + filterWords * 4;
    const metaOffset = slotsOffset + capacity * 4;
    const nameOffOffset = metaOffset + n * 4;
    const namesOffset = nameOffOffset + (n + 1) * 4;
    const buffer = new SharedArrayBuffer(namesOffset + this.#namesLength);
    const filter = new Int32Array(buffer, filterOffset, filterWords);
    const slots = new Int32Array(buffer, slotsOffset, capacity);
    const meta = new Uint32Array(buffer, metaOffset, n);
    const nameOff = new Uint32Array(buffer, nameOffOffset, n + 1);
    const names = new Uint8Array(buffer, namesOffset, this.#namesLength);
    names.set(this.#names.subarray(0, this.#namesLength));
    nameOff.set(this.#offsets);
    meta.set(this.#metas);
    const dups = new Map<number, number[]>();
    let minLabels = n === 0 ? 1 : 127;
    for (let r = 0; r < n; r++) {
      const h = insert(slots, meta, nameOff, names, r, dups);
      const bit = filterBit(h, filterWords);
      filter[bit >>> 5] |= 1 << (bit & 31);
      let labels = 1;
      for (let k = nameOff[r]; k < nameOff[r + 1]; k++) if (names[k] === 46) labels++;
      if (labels < minLabels) minLabels = labels;
    }
    this.#names = new Uint8Array(0);
    this.#offsets = [];
    this.#metas = [];
    const layout = {
      capacity,
      count: n,
      filterWords,
      minLabels,
      filterOffset,
      slotsOffset,
      metaOffset,
      nameOffOffset,
      namesOffset,
      namesLength: names.length,
    };
    return { buffer, layout: { ...layout, dups: [...dups] } };
  }
}

function hashRange(names: Uint8Array, start: number, end: number): number {
  let h = SEED;
  for (let i = end - 1; i >= start; i--) h = Math.imul(h ^ names[i], PRIME);
  return finish(h);
}

function insert(
  slots: Int32Array,
  meta: Uint32Array,
  nameOff: Uint32Array,
  names: Uint8Array,
  rule: number,
  dups: Map<number, number[]>,
): number {
  const start = nameOff[rule];
  const len = nameOff[rule + 1] - start;
  const h = hashRange(names, start, start + len);
  const tag = tagOf(h);
  const capacity = slots.length;
  for (let i = home(h, capacity); ; i = i + 1 === capacity ? 0 : i + 1) {
    const slot = slots[i];
    if (slot === 0) {
      slots[i] = (tag << 24) | (rule + 1);
      return h;
    }
    if (tagOf(slot) !== tag) continue;
    const other = (slot & 0xffffff) - 1;
    const os = nameOff[other];
    if (nameOff[other + 1] - os !== len) continue;
    let same = true;
    for (let k = 0; k < len; k++) {
      if (names[os + k] !== names[start + k]) {
        same = false;
        break;
      }
    }
    if (!same) continue;
    meta[other] |= DUPS_BIT;
    const list = dups.get(other);
    if (list) list.push(rule);
    else dups.set(other, [rule]);
    return h;
  }
}

/** A read-only view over a built table: the per-request lookup. */
export class DomainTable {
  readonly #filter: Int32Array;
  readonly #filterWords: number;
  readonly #minLabels: number;
  readonly #slots: Int32Array;
  readonly #meta: Uint32Array;
  readonly #nameOff: Uint32Array;
  readonly #names: Uint8Array;
  readonly #capacity: number;
  readonly #dups: Map<number, readonly number[]>;

  constructor(buffer: SharedArrayBuffer | ArrayBuffer, layout: DomainTableLayout, base = 0) {
    this.#capacity = layout.capacity;
    this.#filterWords = layout.filterWords;
    this.#minLabels = layout.minLabels;
    this.#filter = new Int32Array(buffer, base + layout.filterOffset, layout.filterWords);
    this.#slots = new Int32Array(buffer, base + layout.slotsOffset, layout.capacity);
    this.#meta = new Uint32Array(buffer, base + layout.metaOffset, layout.count);
    this.#nameOff = new Uint32Array(buffer, base + layout.nameOffOffset, layout.count + 1);
    this.#names = new Uint8Array(buffer, base + layout.namesOffset, layout.namesLength);
    this.#dups = new Map(layout.dups);
  }

  /** Number of rules in the table. */
  get size(): number {
    return this.#meta.length;
  }

  /** The packed meta of rule `i`. */
  meta(i: number): number {
    return this.#meta[i];
  }

  /** The name of rule `i`. */
  name(i: number): string {
    return String.fromCharCode(...this.#names.subarray(this.#nameOff[i], this.#nameOff[i + 1]));
  }

  /**
   * Pushes every rule that matches `name` (any case, optional trailing dot) into `out`,
   * with specificity = 2 × matched length, + 1 for an exact rule on the whole name.
   */
  collect(name: string, out: Candidates): void {
    let end = name.length;
    if (end > 0 && name.charCodeAt(end - 1) === 46) end--;
    let h = SEED;
    let labels = 1;
    const minLabels = this.#minLabels;
    for (let i = end - 1; i >= 0; i--) {
      let c = name.charCodeAt(i);
      if (c === 46) {
        if (labels >= minLabels && i + 1 < end) this.#probe(finish(h), name, i + 1, end, false, out);
        labels++;
      } else if (c <= 90 && c >= 65) c += 32;
      h = Math.imul(h ^ c, PRIME);
    }
    if (end > 0 && labels >= minLabels) this.#probe(finish(h), name, 0, end, true, out);
  }

  #probe(h: number, q: string, start: number, end: number, whole: boolean, out: Candidates): void {
    const bit = filterBit(h, this.#filterWords);
    if ((this.#filter[bit >>> 5] & (1 << (bit & 31))) === 0) return;
    const len = end - start;
    const tag = tagOf(h);
    const slots = this.#slots;
    const nameOff = this.#nameOff;
    const names = this.#names;
    const capacity = this.#capacity;
    for (let i = home(h, capacity); ; i = i + 1 === capacity ? 0 : i + 1) {
      const slot = slots[i];
      if (slot === 0) return;
      if (tagOf(slot) !== tag) continue;
      const rule = (slot & 0xffffff) - 1;
      const os = nameOff[rule];
      if (nameOff[rule + 1] - os !== len) continue;
      let k = 0;
      for (; k < len; k++) {
        let c = q.charCodeAt(start + k);
        if (c >= 65 && c <= 90) c += 32;
        if (names[os + k] !== c) break;
      }
      if (k !== len) continue;
      this.#push(rule, len, whole, out);
      if (this.#meta[rule] & DUPS_BIT)
        for (const r of this.#dups.get(rule) ?? []) this.#push(r, len, whole, out);
      return;
    }
  }

  #push(rule: number, len: number, whole: boolean, out: Candidates): void {
    const meta = this.#meta[rule];
    const kind = (meta >>> KIND_SHIFT) & 3;
    // exact: whole name only; subdomains-only: proper suffixes only; subtree: both.
    if (whole ? kind === KIND_SUBDOMAINS : kind === KIND_EXACT) return;
    out.push(meta, rule, len * 2 + (whole && kind === KIND_EXACT ? 1 : 0));
  }
}

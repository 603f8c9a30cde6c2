/**
 * The domain matcher: an open-addressing hash table over flat typed arrays in one
 * SharedArrayBuffer, so worker threads share it without copying and it serialises as is.
 * Built by domain-table-builder.ts; hashed as domain-hash.ts says.
 *
 * Layout (all little-endian, 4-byte aligned, offsets in `DomainTableLayout`):
 *   filter  Int32[filterWords]  two bits in one word per rule name (from the hash): a miss here costs
 *                               one access to a cache-resident megabyte instead of a probe
 *                               into the table (most lookups are of names nobody ordered)
 *   slots   Int32[3 × (capacity + overflow)]
 *                               [32-bit hash, name offset + 1 (0 = empty), packed meta]
 *                               (rule-meta.ts); linear probing over the first `capacity`
 *   names   Uint8[namesLength]  per name a length byte, then its lowercase ASCII bytes
 *
 * A hit costs the filter word, the slot and the name's bytes: three dependent accesses into
 * the buffer, the fewest that still confirm the name exactly. A rule's id is its slot index.
 * Rules sharing a name with an earlier rule (the same name in two orders) sit in the overflow
 * slots after the table, grouped by the head slot whose meta carries DUPS_BIT.
 *
 * Names hash right to left, so one pass over a query yields the hash of every suffix
 * (`a.b.example.com` → `com`, `example.com`, `b.example.com`, …): a lookup costs one
 * pass plus one probe per label that passes the filter.
 */
import { FOLD, filterBits, finish, home, PRIME, SEED, SLOT_INTS, WIRE_FOLD } from './domain-hash.js';
import { type Candidates, DUPS_BIT, KIND_EXACT, KIND_SHIFT, KIND_SUBDOMAINS } from './rule-meta.js';

/** Where each array lives inside the shared buffer. */
export interface DomainTableLayout {
  /** Home slots (linear probing wraps within them). */
  readonly capacity: number;
  /** Rules held, overflow included. */
  readonly count: number;
  /** Overflow slots after the home slots: rules whose name an earlier rule holds. */
  readonly overflow: number;
  readonly filterWords: number;
  /** Fewest labels in any rule name: shorter suffixes (`com`) are never probed. */
  readonly minLabels: number;
  readonly filterOffset: number;
  readonly slotsOffset: number;
  readonly namesOffset: number;
  readonly namesLength: number;
  /** Same-name groups, flattened: `[head slot, first overflow id, count, …]`. */
  readonly dups: readonly number[];
}

/** Label starts of the QNAME being looked up by `collectWire` (at most 127 in 255 bytes). */
const wireLabels = new Int32Array(128);

/** A read-only view over a built table: the per-request lookup. */
export class DomainTable {
  readonly #filter: Int32Array;
  /** Filter words − 1 (a power of two − 1). */
  readonly #filterMask: number;
  readonly #minLabels: number;
  readonly #slots: Int32Array;
  readonly #names: Uint8Array;
  readonly #capacity: number;
  readonly #count: number;
  /** Head slot → index of its triple in `#dupList`. */
  readonly #dups: Map<number, number>;
  readonly #dupList: readonly number[];

  constructor(buffer: SharedArrayBuffer | ArrayBuffer, layout: DomainTableLayout, base = 0) {
    this.#capacity = layout.capacity;
    this.#count = layout.count;
    this.#filterMask = layout.filterWords - 1;
    this.#minLabels = layout.minLabels;
    this.#filter = new Int32Array(buffer, base + layout.filterOffset, layout.filterWords);
    const ids = layout.capacity + layout.overflow;
    this.#slots = new Int32Array(buffer, base + layout.slotsOffset, ids * SLOT_INTS);
    this.#names = new Uint8Array(buffer, base + layout.namesOffset, layout.namesLength);
    this.#dupList = layout.dups;
    this.#dups = new Map();
    for (let j = 0; j < layout.dups.length; j += 3) this.#dups.set(layout.dups[j], j);
  }

  /** Number of rules in the table. */
  get size(): number {
    return this.#count;
  }

  /** Rule ids run from 0 to `ids` − 1; some (empty slots) hold no rule: see `has`. */
  get ids(): number {
    return this.#slots.length / SLOT_INTS;
  }

  /** Whether rule id `i` holds a rule. */
  has(i: number): boolean {
    return i >= 0 && i < this.ids && this.#slots[i * SLOT_INTS + 1] !== 0;
  }

  /** The packed meta of rule `i`. */
  meta(i: number): number {
    return this.#slots[i * SLOT_INTS + 2] >>> 0;
  }

  /** The name of rule `i` ('' when `i` holds no rule). */
  name(i: number): string {
    const at = this.#slots[i * SLOT_INTS + 1];
    if (!(at > 0)) return '';
    return String.fromCharCode(...this.#names.subarray(at, at + this.#names[at - 1]));
  }

  /**
   * Pushes every rule that matches `name` (any case, optional trailing dot) into `out`,
   * with specificity = 2 × matched length, + 1 for an exact rule on the whole name.
   */
  collect(name: string, out: Candidates): void {
    let end = name.length;
    if (end > 0 && name.charCodeAt(end - 1) === 46) end--;
    const filter = this.#filter;
    const mask = this.#filterMask;
    const minLabels = this.#minLabels;
    let h = SEED;
    let labels = 1;
    for (let i = end - 1; i >= 0; i--) {
      let c = name.charCodeAt(i);
      if (c === 46) {
        if (labels >= minLabels && i + 1 < end) {
          const f = finish(h);
          const bits = filterBits(f);
          if ((filter[(f >>> 10) & mask] & bits) === bits) this.#probeText(f, name, i + 1, end, false, out);
        }
        labels++;
      } else if (c < 128) c = FOLD[c];
      h = Math.imul(h ^ c, PRIME);
    }
    if (end === 0 || labels < minLabels) return;
    const f = finish(h);
    const bits = filterBits(f);
    if ((filter[(f >>> 10) & mask] & bits) === bits) this.#probeText(f, name, 0, end, true, out);
  }

  /**
   * Like `collect`, for the uncompressed wire-format QNAME at `buf[offset]` (length-prefixed
   * labels ending in a zero, as parseQuery checked it): no string is made. A label holding a
   * byte the text form would escape matches nothing, nor does any suffix including it; a
   * malformed name (pointer, label over 63, overrun) matches nothing.
   */
  collectWire(buf: Uint8Array, offset: number, out: Candidates): void {
    const starts = wireLabels;
    let n = 0;
    for (let o = offset; ; ) {
      if (o >= buf.length || n === starts.length) return;
      const l = buf[o];
      if (l === 0) break;
      if (l > 63) return;
      starts[n++] = o;
      o += l + 1;
    }
    if (n === 0 || starts[n - 1] + buf[starts[n - 1]] >= buf.length) return;
    const filter = this.#filter;
    const mask = this.#filterMask;
    const minLabels = this.#minLabels;
    let h = SEED;
    let len = 0;
    for (let j = n - 1; j >= 0; j--) {
      const s = starts[j];
      for (let p = s + buf[s]; p > s; p--) h = Math.imul(h ^ WIRE_FOLD[buf[p]], PRIME);
      len += buf[s];
      if (n - j >= minLabels) {
        const f = finish(h);
        const bits = filterBits(f);
        if ((filter[(f >>> 10) & mask] & bits) === bits) this.#probeWire(f, buf, s, len, j === 0, out);
      }
      h = Math.imul(h ^ 46, PRIME);
      len++;
    }
  }

  #probeText(h: number, q: string, start: number, end: number, whole: boolean, out: Candidates): void {
    const len = end - start;
    const slots = this.#slots;
    const names = this.#names;
    const capacity = this.#capacity;
    for (let i = home(h, capacity); ; i = i + 1 === capacity ? 0 : i + 1) {
      const s = i * SLOT_INTS;
      const at = slots[s + 1];
      if (at === 0) return;
      if (slots[s] !== h || names[at - 1] !== len) continue;
      let k = 0;
      for (; k < len; k++) {
        const c = q.charCodeAt(start + k);
        if (names[at + k] !== (c < 128 ? FOLD[c] : c)) break;
      }
      if (k !== len) continue;
      this.#hit(i, slots[s + 2], len, whole, out);
      return;
    }
  }

  /** Probes for the text suffix that starts with the wire label at `buf[label]`. */
  #probeWire(h: number, buf: Uint8Array, label: number, len: number, whole: boolean, out: Candidates) {
    const slots = this.#slots;
    const names = this.#names;
    const capacity = this.#capacity;
    for (let i = home(h, capacity); ; i = i + 1 === capacity ? 0 : i + 1) {
      const s = i * SLOT_INTS;
      const at = slots[s + 1];
      if (at === 0) return;
      if (slots[s] !== h || names[at - 1] !== len) continue;
      if (!sameWire(names, at, at + len, buf, label)) continue;
      this.#hit(i, slots[s + 2], len, whole, out);
      return;
    }
  }

  #hit(id: number, meta: number, len: number, whole: boolean, out: Candidates): void {
    this.#push(id, meta, len, whole, out);
    if ((meta & DUPS_BIT) === 0) return;
    const j = this.#dups.get(id) ?? -1;
    if (j < 0) return;
    const first = this.#dupList[j + 1];
    const last = first + this.#dupList[j + 2];
    for (let r = first; r < last; r++) this.#push(r, this.#slots[r * SLOT_INTS + 2], len, whole, out);
  }

  #push(id: number, meta: number, len: number, whole: boolean, out: Candidates): void {
    const kind = (meta >>> KIND_SHIFT) & 3;
    // exact: whole name only; subdomains-only: proper suffixes only; subtree: both.
    if (whole ? kind === KIND_SUBDOMAINS : kind === KIND_EXACT) return;
    out.push(meta >>> 0, id, len * 2 + (whole && kind === KIND_EXACT ? 1 : 0));
  }
}

/** Whether stored name `names[at, end)` spells the wire labels from `buf[label]` on (folded). */
function sameWire(names: Uint8Array, at: number, end: number, buf: Uint8Array, label: number): boolean {
  let k = at;
  for (let p = label; ; ) {
    const stop = p + 1 + buf[p];
    for (p++; p < stop; p++, k++) if (WIRE_FOLD[buf[p]] !== names[k]) return false;
    if (k === end) return true;
    if (names[k++] !== 46) return false;
  }
}

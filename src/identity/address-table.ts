/**
 * Open-addressing hash tables from an address to a small positive integer, for the lease index's
 * hot path: keys and values live side by side in one Int32Array (one cache line per probe, no
 * strings, no objects), linear probing, Fibonacci hashing, backward-shift deletion (no
 * tombstones, so lookups never slow down with churn), doubling at half load.
 *
 * Value 0 means "empty": callers store ids starting at 1.
 */
const MIN_BITS = 4;
/** Fibonacci hashing multiplier: 2^32 / golden ratio. */
const GOLDEN = 0x9e3779b1;

/** Table bits (log2 of the slot count) for `capacity` entries at no more than half load. */
function bitsFor(capacity: number): number {
  let bits = MIN_BITS;
  while (1 << bits < capacity * 2 && bits < 30) bits++;
  return bits;
}

/** The filter's own multiplier (odd, unrelated to GOLDEN), so its bits and the home slot are independent. */
const FILTER_MIX = 0x2c1b3c6d;

/**
 * Maps a u32 (an IPv4 address) to a positive int32.
 *
 * A table of a million addresses is 16 MB, so a probe is a trip to DRAM (~150 ns on the 2026 bench
 * machine). In front of it sits a membership filter setting 2 bits per key in one 32-bit word (4
 * bits per slot, so 8 or more per key: 1 MB for a million keys, small enough to stay in L2), so
 * most absent addresses are answered without touching the table: about 4 % get through. Deletes
 * leave their bits set (a stale bit only costs a probe); the filter is rebuilt when the table grows
 * and after a quarter of its slots' worth of deletes.
 */
export class U32Table {
  #slots: Int32Array;
  #filter: Int32Array;
  #bits: number;
  #mask: number;
  #size = 0;
  #stale = 0;

  constructor(capacity = 1024) {
    this.#bits = bitsFor(capacity);
    this.#mask = (1 << this.#bits) - 1;
    this.#slots = new Int32Array(2 << this.#bits);
    this.#filter = new Int32Array(1 << (this.#bits - 3));
  }

  /** Entries held. */
  get size(): number {
    return this.#size;
  }

  /** The value of `key`, or 0. */
  get(key: number): number {
    const k = key | 0;
    const g = Math.imul(k ^ (k >>> 15), FILTER_MIX);
    const m = (1 << g) | (1 << (g >>> 5));
    if ((this.#filter[g >>> (35 - this.#bits)] & m) !== m) return 0;
    const slots = this.#slots;
    const mask = this.#mask;
    let i = Math.imul(k, GOLDEN) >>> (32 - this.#bits);
    for (;;) {
      const v = slots[2 * i + 1];
      if (v === 0 || slots[2 * i] === k) return v;
      i = (i + 1) & mask;
    }
  }

  /** Sets `key` to `value` (> 0). */
  set(key: number, value: number): void {
    if ((this.#size + 1) * 2 > this.#mask + 1) this.#grow();
    const slots = this.#slots;
    const k = key | 0;
    let i = Math.imul(k, GOLDEN) >>> (32 - this.#bits);
    while (slots[2 * i + 1] !== 0 && slots[2 * i] !== k) i = (i + 1) & this.#mask;
    if (slots[2 * i + 1] === 0) this.#size++;
    slots[2 * i] = k;
    slots[2 * i + 1] = value;
    this.#mark(k);
  }

  /** Removes `key`; true when it was present. */
  delete(key: number): boolean {
    const slots = this.#slots;
    const mask = this.#mask;
    const k = key | 0;
    let i = Math.imul(k, GOLDEN) >>> (32 - this.#bits);
    while (slots[2 * i] !== k || slots[2 * i + 1] === 0) {
      if (slots[2 * i + 1] === 0) return false;
      i = (i + 1) & mask;
    }
    // Backward shift: pull later entries of the same probe run into the hole.
    for (let j = (i + 1) & mask; slots[2 * j + 1] !== 0; j = (j + 1) & mask) {
      const home = Math.imul(slots[2 * j], GOLDEN) >>> (32 - this.#bits);
      if (((j - home) & mask) >= ((j - i) & mask)) {
        slots[2 * i] = slots[2 * j];
        slots[2 * i + 1] = slots[2 * j + 1];
        i = j;
      }
    }
    slots[2 * i] = 0;
    slots[2 * i + 1] = 0;
    this.#size--;
    if (++this.#stale * 4 > mask + 1) this.#rebuildFilter();
    return true;
  }

  #mark(k: number): void {
    const g = Math.imul(k ^ (k >>> 15), FILTER_MIX);
    this.#filter[g >>> (35 - this.#bits)] |= (1 << g) | (1 << (g >>> 5));
  }

  #rebuildFilter(): void {
    this.#filter.fill(0);
    this.#stale = 0;
    for (let i = 0; i < this.#slots.length; i += 2) if (this.#slots[i + 1] !== 0) this.#mark(this.#slots[i]);
  }

  #grow(): void {
    const old = this.#slots;
    this.#bits++;
    this.#mask = (1 << this.#bits) - 1;
    this.#slots = new Int32Array(2 << this.#bits);
    this.#filter = new Int32Array(1 << (this.#bits - 3));
    this.#size = 0;
    this.#stale = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.set(old[i], old[i + 1]);
  }
}

/** Maps a 64-bit key (the top half of an IPv6 prefix, as two u32 words) to a positive int32. */
export class U64Table {
  /** Stride 4 (hi, lo, value, unused): four entries per 64-byte cache line. */
  #slots: Int32Array;
  #bits: number;
  #mask: number;
  #size = 0;

  constructor(capacity = 1024) {
    this.#bits = bitsFor(capacity);
    this.#mask = (1 << this.#bits) - 1;
    this.#slots = new Int32Array(4 << this.#bits);
  }

  /** Entries held. */
  get size(): number {
    return this.#size;
  }

  #home(hi: number, lo: number): number {
    return Math.imul(hi ^ Math.imul(lo, 0x85ebca6b), GOLDEN) >>> (32 - this.#bits);
  }

  /** The value of (`hi`, `lo`), or 0. */
  get(hi: number, lo: number): number {
    const slots = this.#slots;
    const h = hi | 0;
    const l = lo | 0;
    let i = this.#home(h, l);
    for (;;) {
      const v = slots[4 * i + 2];
      if (v === 0 || (slots[4 * i] === h && slots[4 * i + 1] === l)) return v;
      i = (i + 1) & this.#mask;
    }
  }

  /** Sets (`hi`, `lo`) to `value` (> 0). */
  set(hi: number, lo: number, value: number): void {
    if ((this.#size + 1) * 2 > this.#mask + 1) this.#grow();
    const slots = this.#slots;
    const h = hi | 0;
    const l = lo | 0;
    let i = this.#home(h, l);
    while (slots[4 * i + 2] !== 0 && (slots[4 * i] !== h || slots[4 * i + 1] !== l)) i = (i + 1) & this.#mask;
    if (slots[4 * i + 2] === 0) this.#size++;
    slots[4 * i] = h;
    slots[4 * i + 1] = l;
    slots[4 * i + 2] = value;
  }

  /** Removes (`hi`, `lo`); true when it was present. */
  delete(hi: number, lo: number): boolean {
    const slots = this.#slots;
    const mask = this.#mask;
    const h = hi | 0;
    const l = lo | 0;
    let i = this.#home(h, l);
    while (slots[4 * i + 2] === 0 || slots[4 * i] !== h || slots[4 * i + 1] !== l) {
      if (slots[4 * i + 2] === 0) return false;
      i = (i + 1) & mask;
    }
    for (let j = (i + 1) & mask; slots[4 * j + 2] !== 0; j = (j + 1) & mask) {
      const home = this.#home(slots[4 * j], slots[4 * j + 1]);
      if (((j - home) & mask) >= ((j - i) & mask)) {
        slots.copyWithin(4 * i, 4 * j, 4 * j + 3);
        i = j;
      }
    }
    slots.fill(0, 4 * i, 4 * i + 4);
    this.#size--;
    return true;
  }

  #grow(): void {
    const old = this.#slots;
    this.#bits++;
    this.#mask = (1 << this.#bits) - 1;
    this.#slots = new Int32Array(4 << this.#bits);
    this.#size = 0;
    for (let i = 0; i < old.length; i += 4) if (old[i + 2] !== 0) this.set(old[i], old[i + 1], old[i + 2]);
  }
}

/** The top 64 bits of an IPv6 prefix and its length (≤ 64). */
export interface PrefixKey {
  readonly hi: number;
  readonly lo: number;
  readonly length: number;
}

interface LengthTable {
  readonly length: number;
  readonly hiMask: number;
  readonly loMask: number;
  readonly table: U64Table;
}

function maskOf(bits: number): number {
  return bits >= 32 ? 0xffffffff : bits <= 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** IPv6 prefixes of any length ≤ 64: one U64Table per length in use, probed longest first. */
export class PrefixTables {
  #tables: LengthTable[] = [];
  readonly #seen = new Set<number>();

  /** True when no prefix has ever been set (lookups can skip parsing). */
  get empty(): boolean {
    return this.#tables.length === 0;
  }

  /** Every prefix length ever set, longest first (for history queries). */
  get lengthsSeen(): number[] {
    return [...this.#seen].sort((a, b) => b - a);
  }

  /** The value of the longest prefix covering the address whose top words are `w0`, `w1`, or 0. */
  get(w0: number, w1: number): number {
    for (const t of this.#tables) {
      const v = t.table.get((w0 & t.hiMask) >>> 0, (w1 & t.loMask) >>> 0);
      if (v !== 0) return v;
    }
    return 0;
  }

  /** Sets `prefix` (bits past its length already clear) to `value` (> 0). */
  set(prefix: PrefixKey, value: number): void {
    let t = this.#tables.find((x) => x.length === prefix.length);
    if (t === undefined) {
      const table = new U64Table();
      t = { length: prefix.length, hiMask: maskOf(prefix.length), loMask: maskOf(prefix.length - 32), table };
      // Longest prefix first, so a /64 lease wins over the /56 around it.
      this.#tables = [...this.#tables, t].sort((a, b) => b.length - a.length);
      this.#seen.add(prefix.length);
    }
    t.table.set(prefix.hi, prefix.lo, value);
  }

  /** Removes `prefix`; a length with no prefixes left stops costing a probe. */
  delete(prefix: PrefixKey): void {
    const t = this.#tables.find((x) => x.length === prefix.length);
    if (t === undefined || !t.table.delete(prefix.hi, prefix.lo)) return;
    if (t.table.size === 0) this.#tables = this.#tables.filter((x) => x !== t);
  }
}

/**
 * Where the DNS cache keeps its answers: slabs of its own. A `Buffer.from` copy is a slice of
 * Node's shared 8 KiB pool, which every short-lived buffer of the process also cuts from (query
 * copies, served answers): one kept answer (~60 bytes) kept its whole 8 KiB chunk alive, about
 * 230 bytes resident per cached answer (bench/dns.ts, 60,000 entries). A slab holds only kept
 * answers and is freed once none of them is referenced any more.
 */

/** Bytes per slab. */
export const SLAB_SIZE = 64 * 1024;
/** Larger answers get a buffer of their own: a few of them would fill a slab. */
export const SLAB_MAX_ANSWER = 4 * 1024;

/**
 * Slabs a kept answer may age by before a cache hit moves it into the current one (`isOld`): a
 * popular answer would otherwise keep its old slab alive for as long as it is cached, and moving
 * on every hit would make garbage for the young generation on the hot path instead.
 */
export const SLAB_AGE = 64;

/** A bump allocator over slabs; copies never move, and a slab is never reused. */
export class AnswerSlabs {
  #slab: Buffer = Buffer.alloc(0);
  #used = 0;
  #made = 0;

  /** How many slabs were started so far: the generation `keep` copies into now. */
  get generation(): number {
    return this.#made;
  }

  /** Whether an answer kept at `generation` sits in a slab more than SLAB_AGE slabs old. */
  isOld(generation: number): boolean {
    return this.#made - generation > SLAB_AGE;
  }

  /** A copy of `bytes[0, len)`: a view into the current slab, or its own buffer when large. */
  keep(bytes: Uint8Array, len: number): Buffer {
    if (len > SLAB_MAX_ANSWER) {
      const own = Buffer.allocUnsafeSlow(len);
      own.set(bytes.subarray(0, len));
      return own;
    }
    if (this.#used + len > this.#slab.length) {
      this.#slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
      this.#used = 0;
      this.#made++;
    }
    const at = this.#used;
    this.#slab.set(bytes.subarray(0, len), at);
    this.#used = at + len;
    return this.#slab.subarray(at, at + len);
  }
}

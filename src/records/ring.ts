/**
 * A fixed-capacity FIFO over a preallocated array: O(1) push and shift, no allocation per item.
 * The batcher's queue; records stay in it until a sink or the spool has taken them.
 */

/** A bounded first-in first-out queue. */
export class Ring<T> {
  readonly capacity: number;
  readonly #items: (T | undefined)[];
  #head = 0;
  #length = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#items = new Array<T | undefined>(capacity).fill(undefined);
  }

  /** Number of items held. */
  get length(): number {
    return this.#length;
  }

  /** Appends `item`; returns false (and keeps nothing) when full. */
  push(item: T): boolean {
    if (this.#length === this.capacity) return false;
    let tail = this.#head + this.#length;
    if (tail >= this.capacity) tail -= this.capacity;
    this.#items[tail] = item;
    this.#length++;
    return true;
  }

  /** Copies the oldest `count` items (at most `length`) into a new array, oldest first, without removing them. */
  peek(count: number): T[] {
    const n = Math.min(count, this.#length);
    const out = new Array<T>(n);
    let at = this.#head;
    for (let i = 0; i < n; i++) {
      out[i] = this.#items[at] as T;
      at = at + 1 === this.capacity ? 0 : at + 1;
    }
    return out;
  }

  /** Removes the oldest `count` items (at most `length`), releasing them for garbage collection. */
  discard(count: number): void {
    const n = Math.min(count, this.#length);
    for (let i = 0; i < n; i++) {
      this.#items[this.#head] = undefined;
      this.#head = this.#head + 1 === this.capacity ? 0 : this.#head + 1;
    }
    this.#length -= n;
  }
}

/**
 * The record batcher: the one place the data plane hands records to (DESIGN §3 step 5, principle 6).
 *
 * `push` is O(1), never awaits and never throws: it puts the record in a bounded ring. Batches leave
 * the ring for the sink when `batchSize` records are waiting (on the next turn of the event loop,
 * never inside `push`) or every `flushIntervalMs`. One sink write is in flight at a time.
 *
 * A failed batch goes to the spool and the sink rests `retryMs`, while everything waiting is parked
 * in the spool too; of a slow sink's backlog (the ring at `spillAt` during a write) the oldest
 * part is parked, down to a write's worth below `spillAt`.
 * Only when the ring is full AND the spool is full or absent is a record dropped: counted, and
 * reported through `onDrop` at most once a second.
 *
 * Ordering: the sink sees records in push order. Invariant: everything in the spool is older than
 * everything in the ring, so the spool is always replayed first. A batch being written while the
 * backlog is parked is first copied to the spool head (a "shadow"); if the write then succeeds the
 * shadow is acknowledged, not replayed. Delivery is at least once across a crash (see spool.ts).
 */
import { DropReport } from './drop-report.js';
import { Ring } from './ring.js';
import type { BatcherConfig, BatcherStats, BatchSpool, RecordSink } from './types.js';

export type { BatcherConfig } from './types.js';

/** The batcher's handle. */
export interface Batcher<T> {
  /** Queues one record: O(1), never awaits, never throws; a record that cannot be kept is counted as dropped. */
  push(record: T): void;
  /** Writes everything waiting (partial batches too) to the sink, or parks it in the spool if the sink fails. */
  flush(): Promise<void>;
  /** Stops the timer, drains to the sink or the spool, syncs the spool. Later pushes are dropped. */
  close(): Promise<void>;
  stats(): BatcherStats;
}

/** Builds a batcher in front of `config.sink`. */
export function createBatcher<T>(config: BatcherConfig<T>): Batcher<T> {
  return new RecordBatcher(config);
}

class RecordBatcher<T> implements Batcher<T> {
  readonly #ring: Ring<T>;
  readonly #sink: RecordSink<T>;
  readonly #spool: BatchSpool<T> | undefined;
  readonly #now: () => number;
  readonly #drops: DropReport;
  readonly #batchSize: number;
  readonly #maxBatch: number;
  readonly #retryMs: number;
  readonly #spillAt: number;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #weight: ((item: T) => number) | undefined;
  readonly #beforeFlush: (() => void) | undefined;
  #queued = 0; // records (weights) in the ring
  #pushed = 0;
  #written = 0;
  #spooled = 0;
  #replayed = 0;
  #sinkErrors = 0;
  #inflight = 0; // records at the ring head being written (not shadowed in the spool)
  #inflightBatch: readonly T[] = [];
  #inflightInSpool = false; // the batch being written came from the spool, or has a shadow at its head
  #retryAt = 0;
  #flushAll = false;
  #scheduled = false;
  #closed = false;
  #closing: Promise<void> | null = null;
  #draining: Promise<void> | null = null;

  constructor(config: BatcherConfig<T>) {
    this.#ring = new Ring<T>(Math.max(1, config.maxQueue));
    this.#sink = config.sink;
    this.#spool = config.spool;
    this.#now = config.now ?? Date.now;
    this.#drops = new DropReport(this.#now, config.onDrop);
    this.#batchSize = Math.max(1, config.batchSize);
    this.#maxBatch = Math.max(this.#batchSize, config.maxBatch ?? 0);
    this.#retryMs = config.retryMs ?? 1000;
    this.#spillAt = config.spillAt ?? Math.max(1, Math.floor(config.maxQueue / 2));
    this.#weight = config.weight;
    this.#beforeFlush = config.beforeFlush;
    this.#timer = setInterval(() => this.#tick(), config.flushIntervalMs);
    this.#timer.unref?.();
    if (this.#spoolPending()) this.#schedule(); // replay what a previous run left behind
  }

  push(record: T): void {
    const w = this.#weight === undefined ? 1 : this.#weight(record);
    this.#pushed += w;
    if (this.#closed) {
      this.#drops.drop(w);
      return;
    }
    // Emergency path: a full ring is parked in the spool synchronously (amortised O(1) per record).
    if (this.#ring.length === this.#ring.capacity && this.#spool !== undefined) this.#spill(this.#keep);
    if (!this.#ring.push(record)) this.#drops.drop(w);
    else {
      this.#queued += w;
      if (this.#ring.length - this.#inflight >= this.#batchSize) this.#schedule();
    }
  }

  async flush(): Promise<void> {
    if (!this.#closed) this.#guard(() => this.#beforeFlush?.());
    this.#flushAll = true;
    await this.#run();
    await this.#run(); // a drain already running may have stopped before it saw the flag
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown(); // idempotent: every caller waits for the same drain
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#guard(() => this.#beforeFlush?.());
    this.#closed = true;
    clearInterval(this.#timer);
    this.#retryAt = 0; // one last attempt even if the sink is resting
    this.#flushAll = true;
    await this.flush();
    if (this.#ring.length > 0) this.#spill();
    if (this.#ring.length > 0) {
      // No sink and no room in the spool: nothing else can hold them. Counted, never silent.
      this.#ring.discard(this.#ring.length);
      const lost = this.#queued;
      this.#queued = 0;
      this.#drops.drop(lost);
    }
    this.#guard(() => this.#spool?.sync());
    this.#drops.due(true);
  }

  stats(): BatcherStats {
    return {
      pushed: this.#pushed,
      written: this.#written,
      spooled: this.#spooled,
      replayed: this.#replayed,
      dropped: this.#drops.total,
      queued: this.#queued,
      sinkErrors: this.#sinkErrors,
    };
  }

  #tick(): void {
    this.#drops.due();
    this.#guard(() => this.#beforeFlush?.());
    this.#flushAll = true;
    void this.#run();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#draining === null) void this.#run();
      // A slow sink: park the oldest part of the backlog, so the ring has room again.
      else if (this.#spool !== undefined && this.#ring.length >= this.#spillAt) this.#spill(this.#keep);
    });
  }

  #run(): Promise<void> {
    if (this.#draining === null) {
      this.#draining = this.#drain()
        .catch(() => undefined) // a throwing spool must not become an unhandled rejection
        .finally(() => {
          this.#draining = null;
        });
    }
    return this.#draining;
  }

  async #drain(): Promise<void> {
    for (let batch = this.#next(); batch !== null; batch = this.#next()) {
      let ok = true;
      try {
        await this.#sink.write(batch);
      } catch {
        ok = false;
        this.#sinkErrors++;
        this.#retryAt = this.#now() + this.#retryMs;
      }
      this.#settle(batch, ok);
    }
  }

  /** Picks the next batch to write (spool first), or null when there is nothing to write now. */
  #next(): readonly T[] | null {
    if (this.#now() < this.#retryAt) {
      // The sink is resting: park what waits, so the ring stays free for new records.
      if (this.#flushAll || this.#ring.length >= this.#batchSize) this.#spill();
      return null;
    }
    if (this.#spoolPending()) {
      const batch = this.#guard(() => this.#spool?.peek());
      if (batch !== undefined) {
        this.#inflightInSpool = true;
        return batch;
      } // else the spool is unreadable: go on with the ring rather than stall
    }
    const waiting = this.#ring.length;
    if (waiting === 0) this.#flushAll = false;
    if (waiting === 0 || (waiting < this.#batchSize && !this.#flushAll)) return null;
    this.#inflightBatch = this.#ring.peek(this.#maxBatch);
    this.#inflight = this.#inflightBatch.length;
    return this.#inflightBatch;
  }

  #settle(batch: readonly T[], ok: boolean): void {
    if (this.#inflightInSpool) {
      this.#inflightInSpool = false;
      if (ok) {
        // `ack` removes what `peek` returned; a shadow was appended, never peeked: peek it first
        // (it is the spool's head), or it would be replayed after the sink already has it.
        this.#guard(() => {
          this.#spool?.peek();
          this.#spool?.ack();
        });
        const n = this.#sum(batch);
        this.#written += n;
        this.#replayed += n;
      }
      return;
    }
    const n = this.#inflight;
    this.#inflight = 0;
    this.#inflightBatch = [];
    if (ok) {
      this.#discard(n, batch);
      this.#written += this.#sum(batch);
    } else if (this.#append(batch)) {
      this.#discard(n, batch);
    } // else: it stays at the ring head and is retried after the rest
  }

  /**
   * What a slow sink's ring keeps when it is parked (a spill stops there): only the excess goes to the
   * spool, a write's worth at least, so that once the sink catches up it takes the rest from memory.
   * (In a sustained overload every record passes through the spool either way: ordering.)
   */
  get #keep(): number {
    return Math.max(0, Math.min(this.#spillAt, this.#ring.capacity) - this.#maxBatch);
  }

  /** Parks the ring in the spool, oldest first, down to `keep` items, shadowing the batch in flight. */
  #spill(keep = 0): void {
    if (this.#spool === undefined) return;
    if (this.#inflight > 0) {
      if (!this.#append(this.#inflightBatch)) return;
      this.#discard(this.#inflight, this.#inflightBatch);
      this.#inflight = 0;
      this.#inflightBatch = [];
      this.#inflightInSpool = true;
    }
    while (this.#ring.length > keep) {
      const batch = this.#ring.peek(Math.min(this.#maxBatch, this.#ring.length - keep));
      if (!this.#append(batch)) return;
      this.#discard(batch.length, batch);
    }
  }

  /** Removes the ring's oldest `n` items, `batch` being those items. */
  #discard(n: number, batch: readonly T[]): void {
    this.#ring.discard(n);
    this.#queued -= this.#sum(batch);
  }

  /** Records in `batch`. */
  #sum(batch: readonly T[]): number {
    const weight = this.#weight;
    if (weight === undefined) return batch.length;
    let n = 0;
    for (const item of batch) n += weight(item);
    return n;
  }

  #append(batch: readonly T[]): boolean {
    const ok = this.#guard(() => this.#spool?.append(batch)) === true;
    if (ok) this.#spooled += this.#sum(batch);
    return ok;
  }

  #spoolPending(): boolean {
    return this.#spool !== undefined && this.#guard(() => this.#spool?.isEmpty()) === false;
  }

  /** Runs a spool or callback operation; an exception becomes `undefined` (push and drain never throw). */
  #guard<R>(fn: () => R): R | undefined {
    try {
      return fn();
    } catch {
      return undefined;
    }
  }
}

/**
 * The record batcher: the one place the data plane hands records to (DESIGN §3 step 5, principle 6).
 *
 * `push` is O(1), never awaits and never throws: it puts the record in a bounded ring. Batches leave
 * the ring for the sink when `batchSize` records are waiting (on the next turn of the event loop,
 * never inside `push`) or every `flushIntervalMs`. One sink write is in flight at a time.
 *
 * A failed batch goes to the spool and the sink rests `retryMs`, while everything waiting is parked
 * in the spool too; a slow sink's backlog (the ring at `spillAt` during a write) is parked as well.
 * Only when the ring is full AND the spool is full or absent is a record dropped: counted, and
 * reported through `onDrop` at most once a second.
 *
 * Ordering: the sink sees records in push order. Invariant: everything in the spool is older than
 * everything in the ring, so the spool is always replayed first. A batch being written while the
 * backlog is parked is first copied to the spool head (a "shadow"); if the write then succeeds the
 * shadow is acknowledged, not replayed. Delivery is at least once across a crash (see spool.ts).
 */
import { Ring } from './ring.js';
import type { BatcherStats, BatchSpool, RecordSink } from './types.js';

/** Configuration of `createBatcher`. */
export interface BatcherConfig<T> {
  /** Capacity of the in-memory ring, in records. */
  readonly maxQueue: number;
  /** Records per sink write. */
  readonly batchSize: number;
  /**
   * Records per sink write when more than `batchSize` wait (default `batchSize`): a backlog goes out
   * in fewer, larger writes, so a busy node pays the per-write cost (a worker round trip, a commit)
   * less often and catches up instead of spilling to the spool.
   */
  readonly maxBatch?: number | undefined;
  /** Partial batches are written at least this often. */
  readonly flushIntervalMs: number;
  readonly sink: RecordSink<T>;
  readonly spool?: BatchSpool<T> | undefined;
  /** The clock for backoff and drop reports; defaults to `Date.now`. */
  readonly now?: (() => number) | undefined;
  /** Called at most once a second with the records dropped since the last call, and the total. */
  readonly onDrop?: ((dropped: number, total: number) => void) | undefined;
  /** How long a failed sink rests before it is tried again (default 1000 ms). */
  readonly retryMs?: number | undefined;
  /** Ring occupancy at which a slow sink's backlog is parked in the spool (default half of `maxQueue`). */
  readonly spillAt?: number | undefined;
}

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

const DROP_REPORT_MS = 1000;

/** Builds a batcher in front of `config.sink`. */
export function createBatcher<T>(config: BatcherConfig<T>): Batcher<T> {
  return new RecordBatcher(config);
}

class RecordBatcher<T> implements Batcher<T> {
  readonly #ring: Ring<T>;
  readonly #sink: RecordSink<T>;
  readonly #spool: BatchSpool<T> | undefined;
  readonly #now: () => number;
  readonly #onDrop: ((dropped: number, total: number) => void) | undefined;
  readonly #batchSize: number;
  readonly #maxBatch: number;
  readonly #retryMs: number;
  readonly #spillAt: number;
  readonly #timer: ReturnType<typeof setInterval>;
  #pushed = 0;
  #written = 0;
  #spooled = 0;
  #replayed = 0;
  #dropped = 0;
  #sinkErrors = 0;
  #unreported = 0;
  #lastReport = Number.NEGATIVE_INFINITY;
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
    this.#onDrop = config.onDrop;
    this.#batchSize = Math.max(1, config.batchSize);
    this.#maxBatch = Math.max(this.#batchSize, config.maxBatch ?? 0);
    this.#retryMs = config.retryMs ?? 1000;
    this.#spillAt = config.spillAt ?? Math.max(1, Math.floor(config.maxQueue / 2));
    this.#timer = setInterval(() => this.#tick(), config.flushIntervalMs);
    this.#timer.unref?.();
    if (this.#spoolPending()) this.#schedule(); // replay what a previous run left behind
  }

  push(record: T): void {
    this.#pushed++;
    if (this.#closed) {
      this.#drop(1);
      return;
    }
    // Emergency path: a full ring is parked in the spool synchronously (amortised O(1) per record).
    if (this.#ring.length === this.#ring.capacity && this.#spool !== undefined) this.#spill();
    if (!this.#ring.push(record)) this.#drop(1);
    else if (this.#ring.length - this.#inflight >= this.#batchSize) this.#schedule();
  }

  async flush(): Promise<void> {
    this.#flushAll = true;
    await this.#run();
    await this.#run(); // a drain already running may have stopped before it saw the flag
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown(); // idempotent: every caller waits for the same drain
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#retryAt = 0; // one last attempt even if the sink is resting
    this.#flushAll = true;
    await this.flush();
    if (this.#ring.length > 0) this.#spill();
    if (this.#ring.length > 0) {
      // No sink and no room in the spool: nothing else can hold them. Counted, never silent.
      const lost = this.#ring.length;
      this.#ring.discard(lost);
      this.#drop(lost);
    }
    this.#guard(() => this.#spool?.sync());
    if (this.#unreported > 0) this.#report(this.#now());
  }

  stats(): BatcherStats {
    return {
      pushed: this.#pushed,
      written: this.#written,
      spooled: this.#spooled,
      replayed: this.#replayed,
      dropped: this.#dropped,
      queued: this.#ring.length,
      sinkErrors: this.#sinkErrors,
    };
  }

  #tick(): void {
    if (this.#unreported > 0 && this.#now() - this.#lastReport >= DROP_REPORT_MS) this.#report(this.#now());
    this.#flushAll = true;
    void this.#run();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#draining === null) void this.#run();
      else if (this.#spool !== undefined && this.#ring.length >= this.#spillAt) this.#spill(); // slow sink
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
        this.#written += batch.length;
        this.#replayed += batch.length;
      }
      return;
    }
    const n = this.#inflight;
    this.#inflight = 0;
    this.#inflightBatch = [];
    if (ok) {
      this.#ring.discard(n);
      this.#written += n;
    } else if (this.#append(batch)) {
      this.#ring.discard(n);
    } // else: it stays at the ring head and is retried after the rest
  }

  /** Parks the ring in the spool, oldest first, shadowing the batch in flight; stops when the spool is full. */
  #spill(): void {
    if (this.#spool === undefined) return;
    if (this.#inflight > 0) {
      if (!this.#append(this.#inflightBatch)) return;
      this.#ring.discard(this.#inflight);
      this.#inflight = 0;
      this.#inflightBatch = [];
      this.#inflightInSpool = true;
    }
    while (this.#ring.length > 0) {
      const batch = this.#ring.peek(this.#maxBatch);
      if (!this.#append(batch)) return;
      this.#ring.discard(batch.length);
    }
  }

  #append(batch: readonly T[]): boolean {
    const ok = this.#guard(() => this.#spool?.append(batch)) === true;
    if (ok) this.#spooled += batch.length;
    return ok;
  }

  #spoolPending(): boolean {
    return this.#spool !== undefined && this.#guard(() => this.#spool?.isEmpty()) === false;
  }

  #drop(n: number): void {
    this.#dropped += n;
    this.#unreported += n;
    const now = this.#now();
    if (now - this.#lastReport >= DROP_REPORT_MS) this.#report(now);
  }

  #report(now: number): void {
    const n = this.#unreported;
    this.#unreported = 0;
    this.#lastReport = now;
    this.#guard(() => this.#onDrop?.(n, this.#dropped));
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

/**
 * What the records path hands written batches to, and the bounded queue every exporter drains.
 *
 * Contract (DESIGN principle 6): `dns`/`flow` return at once and never throw. An exporter keeps
 * at most `maxQueue` records waiting; a failed or slow collector makes it drop whole batches,
 * counted and reported through `onDrop`, and never pushes back on the sinks or the data plane.
 * Exports are best effort by design: the records database (with its spool) is the record of
 * truth, an export is a copy for the operator's collectors.
 */
import type { DnsQueryRecord, FlowRecord } from '../types.js';

/** Counters since the exporter was created (records, not batches). */
export interface ExporterStats {
  readonly exported: number;
  readonly dropped: number;
  /** Failed sends (batches). */
  readonly errors: number;
  readonly queued: number;
}

/** One exporter of copies of written records. */
export interface RecordExporter {
  /** `ipfix` or `dnstap`: a bounded metric label. */
  readonly name: string;
  dns?(batch: readonly DnsQueryRecord[]): void;
  flow?(batch: readonly FlowRecord[]): void;
  stats(): ExporterStats;
  /** Sends what is queued (bounded by `timeoutMs`), then closes the collector connection. */
  close(timeoutMs?: number): Promise<void>;
}

/** Settings of an `ExportQueue`. */
export interface ExportQueueOptions<T> {
  /** Records that may wait; a batch that does not fit is dropped whole. */
  readonly maxRecords: number;
  /** Sends one batch; a rejection drops it (counted). */
  readonly send: (batch: readonly T[]) => Promise<void>;
  readonly onDrop?: ((dropped: number) => void) | undefined;
}

/** A bounded FIFO of batches with one send in flight. */
export class ExportQueue<T> {
  readonly #o: ExportQueueOptions<T>;
  readonly #batches: Array<readonly T[]> = [];
  #queued = 0;
  #exported = 0;
  #dropped = 0;
  #errors = 0;
  #draining: Promise<void> | null = null;
  #closed = false;

  constructor(o: ExportQueueOptions<T>) {
    this.#o = o;
  }

  /** Queues `batch` (O(1), never throws); the send happens on a later turn of the event loop. */
  offer(batch: readonly T[]): void {
    if (batch.length === 0) return;
    if (this.#closed || this.#queued + batch.length > this.#o.maxRecords) {
      this.#drop(batch.length);
      return;
    }
    this.#batches.push(batch);
    this.#queued += batch.length;
    this.#draining ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#drain());
  }

  stats(): ExporterStats {
    return { exported: this.#exported, dropped: this.#dropped, errors: this.#errors, queued: this.#queued };
  }

  /** Waits for the queue to empty, at most `timeoutMs`; later offers are dropped. */
  async close(timeoutMs = 2000): Promise<void> {
    this.#closed = true;
    if (!this.#draining) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([this.#draining, timeout]);
    clearTimeout(timer);
    const left = this.#batches.splice(0).reduce((n, b) => n + b.length, 0);
    this.#queued -= left;
    if (left > 0) this.#drop(left);
  }

  async #drain(): Promise<void> {
    for (let batch = this.#batches.shift(); batch; batch = this.#batches.shift()) {
      try {
        await this.#o.send(batch);
        this.#exported += batch.length;
      } catch {
        this.#errors++;
        this.#drop(batch.length);
      }
      this.#queued -= batch.length;
    }
    this.#draining = null;
  }

  #drop(n: number): void {
    this.#dropped += n;
    try {
      this.#o.onDrop?.(n);
    } catch {
      // a reporting callback must not break the export path
    }
  }
}

/**
 * The disk spool: an append-only queue of record batches that outlives the process (principle 6).
 *
 * Layout: `DIR/NNNNNNNNNNNN.seg` segment files, each a run of frames (spool-frame.ts), a new segment
 * once the current one would pass `segmentBytes`, and on every start (old segments are never
 * appended to again). `DIR/cursor` holds the read position. Segments wholly read are deleted.
 *
 * Bounds: all segment bytes on disk (read or not) stay under `maxBytes`; `append` refuses beyond.
 *
 * Durability (`fsync`): every append is one write(2), so a batch whose `append` returned survives
 * the process being killed (kill -9): it is in the page cache. Against power loss:
 *   - `'segment'` (default): fsync when a segment is finished, on `sync()` and on `close()`; a power
 *     cut may tear the tail of the newest segment, which the next start detects and truncates.
 *   - `'always'`: fsync after every append (a few ms each on disk).
 *   - `'never'`: leave it to the kernel.
 * Delivery is at least once: the cursor is rewritten (not fsynced) after every `ack`, so a crash
 * may replay a batch the sink already has. All I/O is synchronous (off the hot path, in the
 * batcher's flush turns); the batcher's methods never throw: failures count in `stats().errors`.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { GatehouseError } from '../core/errors.js';
import {
  cutTorn,
  decodeCursor,
  encodeCursor,
  encodeFrame,
  jsonCodec,
  readFrame,
  type SpoolCodec,
  writeAll,
} from './spool-frame.js';
import type { BatchSpool } from './types.js';

/** When appended bytes are forced to stable storage (see the module header). */
export type SpoolFsync = 'always' | 'segment' | 'never';

/** Configuration of `createSpool`. */
export interface SpoolConfig<T> {
  readonly dir: string;
  /** Upper bound of all segment bytes on disk. */
  readonly maxBytes: number;
  /** A new segment is started before one would pass this size (default 8 MiB). */
  readonly segmentBytes?: number | undefined;
  readonly fsync?: SpoolFsync | undefined;
  readonly codec?: SpoolCodec<T> | undefined;
}

/** Counters and sizes of a spool. */
export interface SpoolStats {
  /** Segment bytes on disk now. */
  readonly bytes: number;
  /** Bytes not yet acknowledged. */
  readonly pendingBytes: number;
  readonly segments: number;
  /** Batches appended, acknowledged, and refused for lack of room, since opening. */
  readonly appended: number;
  readonly acked: number;
  readonly rejected: number;
  /** Unreadable frames skipped by the reader, and torn bytes cut off when opening. */
  readonly corrupt: number;
  readonly truncatedBytes: number;
  /** I/O errors met (appends refused, reads abandoned). */
  readonly errors: number;
}

/** An open spool. */
export interface Spool<T> extends BatchSpool<T> {
  stats(): SpoolStats;
  /** Syncs and closes its files; the spool must not be used afterwards. */
  close(): void;
}

const SEGMENT = /^(\d{12})\.seg$/;

/** Opens (creating if needed) the spool in `config.dir`, truncating a torn tail; throws GH_ERR_RECORDS_SPOOL. */
export function createSpool<T>(config: SpoolConfig<T>): Spool<T> {
  try {
    return new DiskSpool<T>(config);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new GatehouseError('GH_ERR_RECORDS_SPOOL', `opening record spool "${config.dir}": ${why}`, [], {
      cause: err,
    });
  }
}

class DiskSpool<T> implements Spool<T> {
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #segmentBytes: number;
  readonly #fsync: SpoolFsync;
  readonly #codec: SpoolCodec<T>;
  /** Segment number → size, ascending; segments before the read segment are already deleted. */
  readonly #sizes = new Map<number, number>();
  #total = 0;
  #readSeq = 1;
  #readOff = 0;
  #readFd = -1;
  #readFdSeq = -1;
  #writeSeq = 1;
  #writeFd = -1;
  #cursorFd = -1;
  #peeked: { batch: T[]; frameBytes: number } | undefined;
  #stats = { appended: 0, acked: 0, rejected: 0, corrupt: 0, truncatedBytes: 0, errors: 0 };

  constructor(config: SpoolConfig<T>) {
    this.#dir = config.dir;
    this.#maxBytes = config.maxBytes;
    this.#segmentBytes = config.segmentBytes ?? 8 * 1024 * 1024;
    this.#fsync = config.fsync ?? 'segment';
    this.#codec = config.codec ?? jsonCodec<T>();
    fs.mkdirSync(this.#dir, { recursive: true });
    this.#open();
  }

  /** Finds the segments, restores the read position, cuts a torn tail; appends go to a new segment. */
  #open(): void {
    const cursorPath = join(this.#dir, 'cursor');
    const cursor = fs.existsSync(cursorPath) ? decodeCursor(fs.readFileSync(cursorPath)) : null;
    const seqs = fs
      .readdirSync(this.#dir)
      .map((name) => SEGMENT.exec(name)?.[1])
      .filter((s): s is string => s !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const seq of seqs) {
      if (cursor !== null && seq < cursor.segment)
        fs.unlinkSync(this.#path(seq)); // read before a crash
      else this.#sizes.set(seq, fs.statSync(this.#path(seq)).size);
    }
    const first = this.#sizes.keys().next().value;
    this.#readSeq = first ?? Math.max(1, cursor?.segment ?? 1);
    if (cursor !== null && first === cursor.segment) {
      this.#readOff = Math.min(cursor.offset, this.#sizes.get(first) ?? 0);
    }
    const last = [...this.#sizes.keys()].pop();
    if (last !== undefined) this.#truncateTorn(last, last === this.#readSeq ? this.#readOff : 0);
    for (const size of this.#sizes.values()) this.#total += size;
    this.#writeSeq = last === undefined ? this.#readSeq : last + 1;
    this.#cursorFd = fs.openSync(cursorPath, fs.existsSync(cursorPath) ? 'r+' : 'w+');
  }

  /** A crash mid-append leaves a partial last frame: cut the newest segment after its last valid frame. */
  #truncateTorn(seq: number, from: number): void {
    const size = this.#sizes.get(seq) ?? 0;
    const end = cutTorn(this.#path(seq), from, size);
    this.#sizes.set(seq, end);
    this.#stats.truncatedBytes += size - end;
  }

  append(batch: readonly T[]): boolean {
    let frame: Buffer;
    try {
      frame = encodeFrame(this.#codec.encode(batch));
    } catch {
      this.#stats.errors++;
      return false;
    }
    if (this.#total + frame.length > this.#maxBytes) {
      this.#stats.rejected++;
      return false;
    }
    const size = this.#sizes.get(this.#writeSeq) ?? 0;
    try {
      if (size > 0 && size + frame.length > this.#segmentBytes) this.#roll();
      if (this.#writeFd === -1) this.#writeFd = fs.openSync(this.#path(this.#writeSeq), 'a');
      writeAll(this.#writeFd, frame);
      if (this.#fsync === 'always') fs.fsyncSync(this.#writeFd);
    } catch {
      this.#stats.errors++;
      this.#cutBack(); // a partial frame would hide every later one from the reader
      return false;
    }
    this.#sizes.set(this.#writeSeq, (this.#sizes.get(this.#writeSeq) ?? 0) + frame.length);
    this.#total += frame.length;
    this.#stats.appended++;
    return true;
  }

  #cutBack(): void {
    try {
      if (this.#writeFd !== -1) fs.ftruncateSync(this.#writeFd, this.#sizes.get(this.#writeSeq) ?? 0);
    } catch {
      // The reader stops at the torn frame, and the next start cuts it off.
    }
  }

  #roll(): void {
    if (this.#writeFd !== -1) {
      if (this.#fsync !== 'never') fs.fsyncSync(this.#writeFd);
      fs.closeSync(this.#writeFd);
      this.#writeFd = -1;
    }
    this.#writeSeq++;
  }

  peek(): readonly T[] | undefined {
    if (this.#peeked !== undefined) return this.#peeked.batch;
    try {
      while (this.#release() && !this.isEmpty()) {
        const size = this.#sizes.get(this.#readSeq) ?? 0;
        const frame = readFrame(this.#fdFor(this.#readSeq), this.#readOff, size);
        if (frame === null) {
          this.#stats.corrupt++;
          this.#readOff = size; // nothing after a bad frame can be found: skip the rest of the segment
          continue;
        }
        try {
          this.#peeked = { batch: this.#codec.decode(frame.payload), frameBytes: frame.frameBytes };
          return this.#peeked.batch;
        } catch {
          this.#stats.corrupt++;
          this.#readOff += frame.frameBytes; // a valid frame the codec rejects: skip just it
        }
      }
    } catch {
      this.#stats.errors++;
    }
    return undefined;
  }

  ack(): void {
    if (this.#peeked === undefined) return;
    this.#readOff += this.#peeked.frameBytes;
    this.#peeked = undefined;
    this.#stats.acked++;
    try {
      fs.writeSync(this.#cursorFd, encodeCursor(this.#readSeq, this.#readOff), 0, 12, 0);
      this.#release();
    } catch {
      this.#stats.errors++;
    }
  }

  isEmpty(): boolean {
    return this.#pending() === 0;
  }

  #pending(): number {
    return this.#total - (this.#sizes.has(this.#readSeq) ? this.#readOff : 0);
  }

  /** Deletes wholly read segments (the cursor moves first, so a crash in between never re-reads them). */
  #release(): boolean {
    for (;;) {
      const size = this.#sizes.get(this.#readSeq);
      if (size === undefined || this.#readOff < size) return true;
      const seq = this.#readSeq;
      if (seq === this.#writeSeq) this.#roll(); // all read: later appends start a fresh segment
      const next = [...this.#sizes.keys()].find((s) => s > seq) ?? this.#writeSeq;
      fs.writeSync(this.#cursorFd, encodeCursor(next, 0), 0, 12, 0);
      if (this.#readFdSeq === seq) this.#closeRead();
      fs.unlinkSync(this.#path(seq));
      this.#sizes.delete(seq);
      this.#total -= size;
      this.#readSeq = next;
      this.#readOff = 0;
    }
  }

  #fdFor(seq: number): number {
    if (this.#readFdSeq !== seq) {
      this.#closeRead();
      this.#readFd = fs.openSync(this.#path(seq), 'r');
      this.#readFdSeq = seq;
    }
    return this.#readFd;
  }

  #closeRead(): void {
    if (this.#readFd !== -1) fs.closeSync(this.#readFd);
    this.#readFd = -1;
    this.#readFdSeq = -1;
  }

  sync(): void {
    try {
      if (this.#writeFd !== -1 && this.#fsync !== 'never') fs.fsyncSync(this.#writeFd);
    } catch {
      this.#stats.errors++;
    }
  }

  stats(): SpoolStats {
    return { bytes: this.#total, pendingBytes: this.#pending(), segments: this.#sizes.size, ...this.#stats };
  }

  close(): void {
    this.sync();
    this.#closeRead();
    for (const fd of [this.#writeFd, this.#cursorFd]) if (fd !== -1) fs.closeSync(fd);
    this.#writeFd = -1;
    this.#cursorFd = -1;
  }

  #path(seq: number): string {
    return join(this.#dir, `${String(seq).padStart(12, '0')}.seg`);
  }
}

/**
 * DNS query records from a worker to main's records path (records/pipeline.ts). The worker packs
 * them in batches (records/sinks/packed.ts: one Float64Array, transferred, plus the batch's
 * strings) and never waits: with `maxInFlight` batches unacknowledged by main, further records are
 * dropped and counted (reported with the worker's metrics as `gatehouse_records_dropped_total`).
 */

import type { Action } from '../../core/decision.js';
import { packDns } from '../../records/sinks/chunk.js';
import type { PackedBatch } from '../../records/sinks/packed.js';
import type { DnsQueryRecord, DnsTransport } from '../../records/types.js';

/** Options of `createRecordPoster`. */
export interface RecordPosterOptions {
  /** Records per batch; a partial batch leaves after `flushMs`. */
  readonly batch: number;
  readonly maxInFlight: number;
  readonly flushMs: number;
  post(batch: PackedBatch): void;
}

/** The worker's end: `push` per query, `ack` per batch main took, `dropped` for the metrics report. */
export interface RecordPoster {
  push(r: DnsQueryRecord): void;
  ack(): void;
  /** Records dropped since the last call. */
  takeDropped(): number;
  /** Sends what is pending now (at close). */
  flush(): void;
  close(): void;
}

/** Builds the worker's record poster. */
export function createRecordPoster(o: RecordPosterOptions): RecordPoster {
  let pending: DnsQueryRecord[] = [];
  let inFlight = 0;
  let dropped = 0;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (pending.length === 0) return;
    const out = pending;
    pending = [];
    if (inFlight >= o.maxInFlight) {
      dropped += out.length;
      return;
    }
    inFlight++;
    o.post(packDns(out));
  };
  return {
    push(r) {
      pending.push(r);
      if (pending.length >= o.batch) flush();
      else if (timer === null) {
        timer = setTimeout(flush, o.flushMs);
        timer.unref();
      }
    },
    ack() {
      if (inFlight > 0) inFlight--;
    },
    takeDropped() {
      const n = dropped;
      dropped = 0;
      return n;
    },
    flush,
    close() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}

/**
 * Main's end: the records of a packed batch again (cells in `packDns` order). The records path can
 * take the batch as it is instead (`Records.dnsPacked`, records/pipeline.ts: a chunk, no record
 * objects on main); this remains for callers that need the records.
 */
export function unpackDns(p: PackedBatch): DnsQueryRecord[] {
  const { values: v, strings: s } = p;
  const width = p.rows === 0 ? 0 : v.length / p.rows;
  const text = (x: number): string | null => (x < 0 ? null : (s[x] as string));
  const num = (x: number): number | null => (Number.isNaN(x) ? null : x);
  const out: DnsQueryRecord[] = new Array(p.rows);
  for (let i = 0, at = 0; i < p.rows; i++, at += width) {
    out[i] = {
      time: v[at] as number,
      clientAddress: text(v[at + 1] as number) ?? '',
      clientPort: num(v[at + 2] as number),
      transport: text(v[at + 3] as number) as DnsTransport,
      isp: text(v[at + 4] as number) ?? '',
      subscriber: text(v[at + 5] as number),
      qname: text(v[at + 6] as number) ?? '',
      qtype: v[at + 7] as number,
      rcode: v[at + 8] as number,
      verdict: text(v[at + 9] as number) as Action,
      orderId: v[at + 10] as number,
      ruleId: v[at + 11] as number,
      cacheHit: v[at + 12] === 1,
      upstream: text(v[at + 13] as number),
      latencyUs: v[at + 14] as number,
      ede: num(v[at + 15] as number),
    };
  }
  return out;
}

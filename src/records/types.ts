/**
 * Record types: the metadata Gatehouse keeps about a DNS query or a proxied flow (DESIGN principle 4:
 * minimal, pseudonymous; never content).
 *
 * Hot-path contract: the caller creates ONE plain object literal per query or flow, listing every
 * field below in the declared order (no optional fields, `null` for "absent"), so every record shares
 * one V8 hidden class and nothing else is allocated on the hot path. The batcher stores the object as
 * is; copies, encodings and SQL happen later, off the hot path.
 */
import type { Action } from '../core/decision.js';

/** The DNS transport a query arrived on. */
export type DnsTransport = 'udp' | 'tcp' | 'dot' | 'doh';

/** One answered DNS query. */
export interface DnsQueryRecord {
  /** When the query arrived, epoch milliseconds. */
  readonly time: number;
  readonly clientAddress: string;
  /** The client's source port, or null when the transport does not expose one (e.g. DoH behind a proxy). */
  readonly clientPort: number | null;
  readonly transport: DnsTransport;
  /** The ISP the client address belongs to (low cardinality). */
  readonly isp: string;
  /** The subscriber pseudonym (keyed HMAC, per epoch), or null when unknown. */
  readonly subscriber: string | null;
  /** The query name, lowercase, without the trailing dot. */
  readonly qname: string;
  readonly qtype: number;
  readonly rcode: number;
  /** The Decision's action. */
  readonly verdict: Action;
  /** The order that decided, or 0 when none did. */
  readonly orderId: number;
  /** The compiled rule that matched, or -1. */
  readonly ruleId: number;
  readonly cacheHit: boolean;
  /** The upstream that answered (`ADDR:PORT`), or null for cache hits and local answers. */
  readonly upstream: string | null;
  /** Time from arrival to answer, integer microseconds. */
  readonly latencyUs: number;
  /** The RFC 8914 INFO-CODE the answer carried, or null. */
  readonly ede: number | null;
}

/** The proxy listener a flow arrived on. */
export type FlowListener = 'http' | 'connect' | 'tls-sni';

/** One proxied connection (HTTP request, CONNECT tunnel or SNI-routed TLS stream). */
export interface FlowRecord {
  /** Epoch milliseconds when the connection was accepted. */
  readonly start: number;
  /** Epoch milliseconds when it closed. */
  readonly end: number;
  readonly clientAddress: string;
  readonly isp: string;
  readonly subscriber: string | null;
  readonly listener: FlowListener;
  /** The Host, CONNECT authority or SNI name, or null when there was none. */
  readonly destinationName: string | null;
  /** The address connected to, or null when no connection was made (blocked). */
  readonly destinationAddress: string | null;
  readonly port: number;
  readonly bytesUp: number;
  readonly bytesDown: number;
  readonly verdict: Action;
  readonly orderId: number;
  readonly throttled: boolean;
  /** True when the ClientHello offered Encrypted Client Hello. */
  readonly ech: boolean;
}

/** Where batches of records go: a store, an exporter, a worker. A rejected promise or a throw means "not stored". */
export interface RecordSink<T> {
  write(batch: readonly T[]): Promise<void> | void;
}

/** What the batcher needs from a spool (`createSpool` provides it); every method must not throw. */
export interface BatchSpool<T> {
  /** Appends one batch after all others; false (nothing kept) when the spool is full or failing. */
  append(batch: readonly T[]): boolean;
  /** The oldest batch not yet acknowledged, or undefined when there is none. */
  peek(): readonly T[] | undefined;
  /** Removes the batch `peek` returned. */
  ack(): void;
  /** True when nothing is waiting to be replayed. */
  isEmpty(): boolean;
  /** Makes everything appended durable (the spool's fsync policy decides how far). */
  sync(): void;
}

/** Configuration of `createBatcher` (batcher.ts). */
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
  /**
   * Records an item holds (default 1), for the counters only: `maxQueue`, `batchSize`, `maxBatch` and
   * `spillAt` stay in items. The records pipeline pushes packed chunks of many records (sinks/chunk.ts).
   */
  readonly weight?: ((item: T) => number) | undefined;
  /** Called before each timed flush and before close drains, so a producer can push what it holds. */
  readonly beforeFlush?: (() => void) | undefined;
}

/** Counters since the batcher was created (records, not batches). */
export interface BatcherStats {
  readonly pushed: number;
  /** Records the sink accepted, replays included. */
  readonly written: number;
  /** Records appended to the spool. */
  readonly spooled: number;
  /** Records that left the spool because the sink accepted them. */
  readonly replayed: number;
  readonly dropped: number;
  /** Records in the ring now. */
  readonly queued: number;
  /** Failed sink writes (batches). */
  readonly sinkErrors: number;
}

/** Selects records by time (`from` inclusive, `to` exclusive, epoch ms) and optional equality filters. */
export interface RecordQuery {
  readonly from: number;
  readonly to: number;
  readonly limit: number;
  readonly qname?: string | undefined;
  readonly clientAddress?: string | undefined;
}

/**
 * The SQLite sink in a worker thread, behind the same `RecordSink` interface, so a batch's
 * transaction (~10 ms per 5,000 records, and WAL checkpoints of 100 ms and more) never blocks the
 * data plane's event loop. The records pipeline hands it chunks packed at push (chunk.ts, `chunks`);
 * `dns`/`flows` pack record arrays first (packed.ts).
 *
 * A request the worker cannot serve rejects; if the worker dies, every pending and later write
 * rejects, which the batcher treats as a failing sink (records go to the spool).
 */
import { Worker } from 'node:worker_threads';
import { GatehouseError } from '../../core/errors.js';
import type { DnsQueryRecord, FlowRecord, RecordQuery, RecordSink } from '../types.js';
import { packDns, packFlows } from './chunk.js';
import type { PackedBatch } from './packed.js';
import type { FlowQuery } from './sqlite.js';

/** A request to the worker (internal protocol between worker.ts and sqlite-worker.ts). */
export type WorkerRequest =
  | { readonly id: number; readonly op: 'write'; readonly chunks: readonly PackedBatch[] }
  | { readonly id: number; readonly op: 'query'; readonly query: RecordQuery }
  | { readonly id: number; readonly op: 'queryFlows'; readonly query: FlowQuery }
  | { readonly id: number; readonly op: 'count' | 'close' };

/** The worker's answer to request `id`. */
export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result?: unknown }
  | { readonly id: number; readonly ok: false; readonly message: string };

/** Configuration of `createWorkerSink`. */
export interface WorkerSinkConfig {
  /** The records database file. */
  readonly path: string;
  /** The compiled worker entry; defaults to `sqlite-worker.js` beside this module. */
  readonly workerUrl?: URL | undefined;
  /** Module URL of the thread yield the worker calls between statements (records/thread-yield.ts). */
  readonly yieldModule?: string | undefined;
  /** Writes of at most this many rows yield (a larger write means the sink is behind); default 0. */
  readonly yieldUpTo?: number | undefined;
}

/** What the worker receives at start-up. */
export interface WorkerSinkData {
  readonly path: string;
  readonly yieldModule?: string | undefined;
  readonly yieldUpTo?: number | undefined;
}

/** The worker-backed sink: the same sinks as `SqliteSink`, with asynchronous queries. */
export interface WorkerSink {
  readonly dns: RecordSink<DnsQueryRecord>;
  readonly flows: RecordSink<FlowRecord>;
  /** Stores packed chunks of one table (chunk.ts) in one transaction: the records pipeline's path. */
  readonly chunks: RecordSink<PackedBatch>;
  query(q: RecordQuery): Promise<DnsQueryRecord[]>;
  queryFlows(q: FlowQuery): Promise<FlowRecord[]>;
  count(): Promise<{ readonly dnsQueries: number; readonly flows: number }>;
  /** How the worker's thread lets the answering threads in, for the log. */
  readonly thread: string;
  /** Closes the database, then ends the worker. */
  close(): Promise<void>;
}

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };
type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** Starts the worker and opens the database in it; rejects with GH_ERR_RECORDS_SINK when it cannot. */
/**
 * The sink thread's young generation, in MiB (two semi-spaces and a large-object space of one: 24 is
 * a 16 MiB new space). What it allocates (a write's cloned strings) dies with the write; V8's
 * default let a busy sink's new space grow to 32 MiB, resident for good after a burst.
 */
const SINK_YOUNG_GENERATION_MB = 24;

export async function createWorkerSink(config: WorkerSinkConfig): Promise<WorkerSink> {
  const url = config.workerUrl ?? new URL('./sqlite-worker.js', import.meta.url);
  const worker = new Worker(url, {
    workerData: {
      path: config.path,
      yieldModule: config.yieldModule,
      yieldUpTo: config.yieldUpTo,
    } satisfies WorkerSinkData,
    resourceLimits: { maxYoungGenerationSizeMb: SINK_YOUNG_GENERATION_MB },
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let dead: Error | null = null;
  const fail = (why: string): void => {
    dead ??= new GatehouseError('GH_ERR_RECORDS_SINK', `records worker for "${config.path}": ${why}`);
    for (const p of pending.values()) p.reject(dead);
    pending.clear();
  };
  worker.on('message', (reply: WorkerReply) => {
    const p = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.ok) p?.resolve(reply.result);
    else p?.reject(new GatehouseError('GH_ERR_RECORDS_SINK', `records worker: ${reply.message}`));
  });
  worker.on('error', (err) => fail(err.message));
  worker.on('exit', (code) => fail(`exited with code ${code}`));
  const call = <R>(req: Request, transfer?: ArrayBuffer[]): Promise<R> => {
    if (dead !== null) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<R>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...req, id }, transfer);
    });
  };
  /**
   * Hands chunks over: their values are COPIED and the copies transferred (the batcher keeps the
   * chunks until the write is acknowledged, to spool them if it fails; a memcpy of 128 bytes a record
   * costs next to nothing); their strings are cloned (~70 ns a flat string; joining them first into
   * one string to clone costs more than that in Node 20).
   */
  const write = (chunks: readonly PackedBatch[]): Promise<void> => {
    const out: PackedBatch[] = [];
    const transfer: ArrayBuffer[] = [];
    for (const c of chunks) {
      if (c.rows === 0) continue;
      const values = c.values.slice(0, c.values.length);
      out.push({ table: c.table, rows: c.rows, values, strings: c.strings });
      transfer.push(values.buffer as ArrayBuffer);
    }
    return out.length === 0 ? Promise.resolve() : call<void>({ op: 'write', chunks: out }, transfer);
  };
  let thread: string;
  try {
    thread = String(await new Promise((resolve, reject) => pending.set(0, { resolve, reject })));
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  return {
    thread,
    dns: { write: (batch) => write([packDns(batch)]) },
    flows: { write: (batch) => write([packFlows(batch)]) },
    chunks: { write },
    query: (query) => call<DnsQueryRecord[]>({ op: 'query', query }),
    queryFlows: (query) => call<FlowRecord[]>({ op: 'queryFlows', query }),
    count: () => call({ op: 'count' }),
    close: async () => {
      if (dead === null) await call<void>({ op: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}

/**
 * The retention job's steps and the reports over a SQLite records database, run in a worker thread
 * (retention-worker.ts) behind the asynchronous interfaces PostgreSQL already has (`RetentionSteps`
 * returning promises, `AsyncReports`). A roll-up or a report groups up to millions of rows in one
 * synchronous better-sqlite3 call; on the main thread that would stall the DNS data plane for its
 * whole duration (DESIGN principle 7).
 *
 * The worker is started at the first call. If it cannot open the database, or dies, every pending
 * call rejects with a catalogue error (GH_ERR_RECORDS_SINK unless the worker threw another code),
 * `onFailure` hears it once, and the next call starts a fresh worker: the retention job retries at
 * its next interval, a report at its next read. Nothing here throws on the caller's thread.
 */
import { Worker } from 'node:worker_threads';
import { ERRORS, type ErrorCode, GatehouseError } from '../core/errors.js';
import type { AggregateKind } from './aggregate-sql.js';
import type { AsyncReports } from './postgres-records.js';
import type { MonthlyTotals, OrderHits, TrafficReport } from './report.js';
import type { RetentionSteps } from './retention.js';

/**
 * How the worker builds its destination classifier: a function cannot cross threads, so the worker
 * imports `module` (an ES module URL exporting `createDestinationClassifier(prefixes)`, the proxy's
 * destination-class.js, injected by the composition root: records import only core) itself.
 */
export interface ClassifierSpec {
  readonly module: string;
  readonly prefixes: readonly string[];
}

/** What the worker receives at start-up. */
export interface RetentionWorkerData {
  readonly path: string;
  readonly classifier: ClassifierSpec;
}

/** A request to the worker (internal protocol between this module and retention-worker.ts). */
export type RetentionRequest =
  | { readonly id: number; readonly op: 'rollUp'; readonly kind: AggregateKind; readonly batch: number }
  | {
      readonly id: number;
      readonly op: 'deleteExpired';
      readonly kind: AggregateKind;
      readonly cutoff: number;
      readonly batch: number;
    }
  | { readonly id: number; readonly op: 'orderHits' | 'monthlyTotals' | 'close' }
  | { readonly id: number; readonly op: 'trafficReport'; readonly from: number; readonly to: number };

/** The worker's answer to request `id` (request 0: the start-up). */
export type RetentionReply =
  | { readonly id: number; readonly ok: true; readonly result?: unknown }
  | { readonly id: number; readonly ok: false; readonly code?: string; readonly message: string };

/** Configuration of `createRetentionWorker`. */
export interface RetentionWorkerConfig {
  /** The records database file (the sink's, opened a second time: WAL, busy timeout). */
  readonly path: string;
  readonly classifier: ClassifierSpec;
  /** The compiled worker entry; defaults to `retention-worker.js` beside this module. */
  readonly workerUrl?: URL | undefined;
  /** The worker could not start or died (logged and counted by the gateway); the next call restarts it. */
  readonly onFailure?: (err: GatehouseError) => void;
}

/** The worker-backed retention steps and reports. */
export interface RetentionWorker {
  readonly steps: RetentionSteps;
  readonly reports: AsyncReports;
  /** Closes the database and ends the worker; later calls reject. */
  close(): Promise<void>;
}

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };
type Request = RetentionRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** One started worker; replaced by a fresh one after it fails. */
interface Generation {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  readonly ready: Promise<unknown>;
  failed: boolean;
  closing: boolean;
}

const codeOf = (code: string | undefined): ErrorCode =>
  code !== undefined && Object.hasOwn(ERRORS, code) ? (code as ErrorCode) : 'GH_ERR_RECORDS_SINK';

/** Creates the client; no thread starts until the first step or report. */
export function createRetentionWorker(config: RetentionWorkerConfig): RetentionWorker {
  const url = config.workerUrl ?? new URL('./retention-worker.js', import.meta.url);
  let current: Generation | null = null;
  let closed = false;
  let nextId = 1;

  const start = (): Generation => {
    const data: RetentionWorkerData = { path: config.path, classifier: config.classifier };
    // Referenced only while a call (or the start-up) waits: an idle worker keeps nobody alive.
    const worker = new Worker(url, { workerData: data });
    const pending = new Map<number, Pending>();
    const ready = new Promise((resolve, reject) => pending.set(0, { resolve, reject }));
    ready.catch(() => {}); // observed by the calls that wait on it
    const gen: Generation = { worker, pending, ready, failed: false, closing: false };
    const fail = (err: GatehouseError): void => {
      if (current === gen) current = null;
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      if (gen.failed || gen.closing) return;
      gen.failed = true;
      config.onFailure?.(err);
      void worker.terminate();
    };
    const failure = (why: string, code?: string) =>
      new GatehouseError(codeOf(code), `retention worker for "${config.path}": ${why}`);
    worker.on('message', (reply: RetentionReply) => {
      const p = pending.get(reply.id);
      pending.delete(reply.id);
      if (pending.size === 0) worker.unref();
      if (reply.ok) return p?.resolve(reply.result);
      const err = failure(reply.message, reply.code);
      p?.reject(err);
      if (reply.id === 0) fail(err); // it could not open the database: the next call starts afresh
    });
    worker.on('error', (err) => fail(failure(err.message)));
    worker.on('exit', (code) => fail(failure(`exited with code ${code}`)));
    return gen;
  };

  const call = async <R>(req: Request): Promise<R> => {
    if (closed)
      throw new GatehouseError('GH_ERR_RECORDS_SINK', `retention worker for "${config.path}": closed`);
    current ??= start();
    const gen = current;
    await gen.ready;
    const id = nextId++;
    return new Promise<R>((resolve, reject) => {
      if (gen.failed) return reject(new GatehouseError('GH_ERR_RECORDS_SINK', 'retention worker: failed'));
      gen.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      gen.worker.ref();
      gen.worker.postMessage({ ...req, id });
    });
  };

  return {
    steps: {
      // The worker classifies with its own classifier, built from the same prefixes.
      rollUp: (kind, batch) => call<number>({ op: 'rollUp', kind, batch }),
      deleteExpired: (kind, cutoff, batch) => call<number>({ op: 'deleteExpired', kind, cutoff, batch }),
    },
    reports: {
      orderHits: () => call<Map<number, OrderHits>>({ op: 'orderHits' }),
      monthlyTotals: () => call<MonthlyTotals[]>({ op: 'monthlyTotals' }),
      trafficReport: (from, to) => call<TrafficReport>({ op: 'trafficReport', from, to }),
    },
    async close() {
      if (closed) return;
      const gen = current;
      if (gen !== null) {
        gen.closing = true; // its exit is no failure
        // `current` is still this worker unless it died: then there is nothing to close cleanly.
        if (current === gen) await call<void>({ op: 'close' }).catch(() => undefined);
        await gen.worker.terminate();
      }
      closed = true;
      current = null;
    },
  };
}

/**
 * The retention job (DESIGN principle 4): each record kind is kept for its own period, then
 * deleted; an epoch's pseudonym key is destroyed once every record that could carry one of its
 * pseudonyms has expired, so what is left of that epoch (aggregates) links to nobody.
 *
 * One run: roll records up into daily aggregates (aggregate.ts) → delete expired DNS queries and
 * flows → prune the lease history → destroy the epoch keys that are due. Records are deleted only
 * once rolled up (rowid ≤ the aggregate mark), and always in bounded batches, one short IMMEDIATE
 * transaction each with a yield to the event loop between them: never one giant DELETE that would
 * hold the write lock the records sink (another thread, WAL) needs for its next batch.
 */
import { aggregateMark, type ClassifyDestination, rollUpStep, setAggregateMark } from './aggregate.js';
import { type AggregateKind, RECORD_TABLE } from './aggregate-sql.js';
import { type EpochKeyStore, fileEpochKeys } from './epoch-keys.js';
import { DEFAULT_EPOCH_MS } from './pseudonym.js';
import type { RecordsDb } from './retention-db.js';

/** How long each record kind is kept (ms). */
export interface RetentionPeriods {
  readonly dns: number;
  readonly flow: number;
  readonly lease: number;
}

/** Where the lease history lives (in the gateway's memory today: `LeaseIndex.pruneHistory`). */
export interface LeaseStore {
  /** Drops leases that ended before `before`; returns how many. */
  prune(before: number): number | Promise<number>;
}

/** What one run did. */
export interface RetentionResult {
  /** When the run started (the injected clock). */
  readonly at: number;
  /** Records rolled up into aggregates. */
  readonly aggregated: Readonly<Record<AggregateKind, number>>;
  readonly deleted: Readonly<Record<AggregateKind | 'lease', number>>;
  /** Epochs whose keys were destroyed. */
  readonly keysDestroyed: readonly number[];
}

/**
 * The two database steps of a run, each bounded to `batch` rows and returning how many it handled
 * (0 when done): SQLite (`sqliteRetentionSteps`) and PostgreSQL (records-postgres.ts).
 */
export interface RetentionSteps {
  rollUp(kind: AggregateKind, batch: number, classify: ClassifyDestination): number | Promise<number>;
  deleteExpired(kind: AggregateKind, cutoff: number, batch: number): number | Promise<number>;
}

/** Options of `createRetentionJob`: the records database as a SQLite connection (`db`) or as `steps`. */
export interface RetentionJobOptions {
  readonly db?: RecordsDb;
  readonly steps?: RetentionSteps;
  /** The pseudonym epoch key files (`<dataDir>/keys/pseudonym`), when `keys` is not given. */
  readonly keyDir?: string;
  /** Where the epoch keys are (the shared PostgreSQL table when records are there); replaces `keyDir`. */
  readonly keys?: EpochKeyStore;
  readonly epochMs?: number;
  readonly retention: RetentionPeriods;
  /** Time between runs (the first runs at `start`). */
  readonly intervalMs: number;
  /** Rows per roll-up or delete transaction. */
  readonly batchSize: number;
  readonly classify: ClassifyDestination;
  readonly now?: () => number;
  readonly leases?: LeaseStore;
  /** Called once per destroyed key, before the run's result (the gateway writes an audit entry). */
  readonly onKeyDestroyed?: (epoch: number, at: number) => void | Promise<void>;
  /** Called after each run (logging, metrics). */
  readonly onRun?: (result: RetentionResult) => void;
  /** A scheduled run failed (it is retried at the next interval). */
  readonly onError?: (err: unknown) => void;
}

/** The running job. */
export interface RetentionJob {
  /** Runs once now (waits for a run already in progress first). */
  run(): Promise<RetentionResult>;
  /** Runs now, then every `intervalMs`. */
  start(): void;
  /** Stops the schedule and waits for a run in progress. */
  close(): Promise<void>;
}

/** The retention of records that carry pseudonyms: DNS queries and flows (leases hold no pseudonym). */
export function pseudonymRetention(r: RetentionPeriods): number {
  return Math.max(r.dns, r.flow);
}

/**
 * When epoch `epoch`'s key is destroyed: once the epoch has ended and its last record (a moment
 * before the end) has outlived the longest pseudonymous retention.
 */
export function keyDestroyAt(epoch: number, epochMs: number, r: RetentionPeriods): number {
  return (epoch + 1) * epochMs + pseudonymRetention(r);
}

/** The column a record's age is judged by. */
export const TIME_COLUMN: Record<AggregateKind, string> = { dns: 'time_ms', flow: 'start_ms' };
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Deletes up to `?` rows older than `?` and at or below the mark `?` (portable SQL). */
export function deleteExpiredSql(kind: AggregateKind): string {
  const table = RECORD_TABLE[kind];
  return `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${TIME_COLUMN[kind]} < ? AND id <= ? LIMIT ?)`;
}

/** The retention steps over a SQLite records database (the gateway runs them in retention-worker.ts). */
export function sqliteRetentionSteps(db: RecordsDb): RetentionSteps {
  return {
    rollUp: (kind, batch, classify) => rollUpStep(db, kind, batch, classify),
    deleteExpired: (kind, cutoff, batch) => deleteStep(db, kind, cutoff, batch),
  };
}

/**
 * Deletes at most `batch` rows of `kind` older than `cutoff` and already rolled up. When that
 * empties the table's top, SQLite would hand out rowids at or below the mark again (a new rowid is
 * max + 1): the mark then drops to the new maximum in the same transaction, so new rows stay above it.
 */
function deleteStep(db: RecordsDb, kind: AggregateKind, cutoff: number, batch: number): number {
  const table = RECORD_TABLE[kind];
  const del = db.prepare(deleteExpiredSql(kind));
  const max = db.prepare(`SELECT MAX(id) FROM ${table}`).pluck();
  return db
    .transaction(() => {
      const mark = aggregateMark(db, kind);
      const n = del.run(cutoff, mark, batch).changes;
      const top = Number(max.get() ?? 0);
      if (n > 0 && top < mark) setAggregateMark(db, kind, top);
      return n;
    })
    .immediate();
}

/** Creates the retention job; nothing runs until `run` or `start`. */
export function createRetentionJob(o: RetentionJobOptions): RetentionJob {
  const now = o.now ?? Date.now;
  const epochMs = o.epochMs ?? DEFAULT_EPOCH_MS;
  let running: Promise<RetentionResult> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let started = false;

  if (o.steps === undefined && o.db === undefined) throw new TypeError('retention job: db or steps needed');
  const steps = o.steps ?? sqliteRetentionSteps(o.db as RecordsDb);
  if (o.keys === undefined && o.keyDir === undefined)
    throw new TypeError('retention job: keys or keyDir needed');
  const keys = o.keys ?? fileEpochKeys(o.keyDir as string);
  const untilDone = async (step: () => number | Promise<number>): Promise<number> => {
    let total = 0;
    for (;;) {
      const n = await step();
      total += n;
      if (n === 0) return total;
      await yieldToLoop();
    }
  };

  const once = async (): Promise<RetentionResult> => {
    const at = now();
    const aggregated = { dns: 0, flow: 0 };
    const deleted = { dns: 0, flow: 0, lease: 0 };
    for (const kind of ['dns', 'flow'] as const) {
      aggregated[kind] = await untilDone(() => steps.rollUp(kind, o.batchSize, o.classify));
      deleted[kind] = await untilDone(() => steps.deleteExpired(kind, at - o.retention[kind], o.batchSize));
    }
    if (o.leases) deleted.lease = await o.leases.prune(at - o.retention.lease);
    const keysDestroyed: number[] = [];
    // On a shared store several nodes may destroy the same key: only the one whose DELETE removed
    // it hears true, so each destruction is audited once.
    for (const epoch of await keys.list()) {
      if (keyDestroyAt(epoch, epochMs, o.retention) > at) continue;
      if (await keys.destroy(epoch)) {
        keysDestroyed.push(epoch);
        await o.onKeyDestroyed?.(epoch, at);
      }
    }
    const result = { at, aggregated, deleted, keysDestroyed };
    o.onRun?.(result);
    return result;
  };

  const run = async (): Promise<RetentionResult> => {
    while (running) await running.catch(() => undefined);
    running = once();
    try {
      return await running;
    } finally {
      running = null;
    }
  };

  const schedule = () => {
    if (closed) return;
    timer = setTimeout(tick, o.intervalMs);
    timer.unref();
  };
  const tick = () => {
    run().then(schedule, (err) => {
      o.onError?.(err);
      schedule();
    });
  };

  return {
    run,
    start() {
      if (started || closed) return;
      started = true;
      tick();
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (running) await running.catch(() => undefined);
    },
  };
}

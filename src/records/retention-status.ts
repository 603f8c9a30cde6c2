/**
 * What `gatehouse records retention` shows: per record kind, how long it is kept, the oldest
 * record still held and until when that one is kept; every epoch key on disk with the time it
 * will be destroyed.
 */
import { aggregateMark } from './aggregate.js';
import { DEFAULT_EPOCH_MS, listEpochKeys } from './pseudonym.js';
import { keyDestroyAt, type RetentionPeriods } from './retention.js';
import type { RecordsDb } from './retention-db.js';

/** One record kind's retention. */
export interface KindRetention {
  readonly kind: 'dns' | 'flow' | 'lease';
  readonly retentionMs: number;
  /** Time of the oldest record held, or null when none is (or, for leases, when they are not on disk). */
  readonly oldest: number | null;
  /** When the oldest record is deleted (oldest + retention), or null. */
  readonly oldestKeptUntil: number | null;
  /** Where the kind is kept. */
  readonly where: string;
}

/** One epoch key on disk. */
export interface KeyRetention {
  readonly epoch: number;
  /** The epoch's start and end (epoch ms, end exclusive). */
  readonly from: number;
  readonly to: number;
  readonly destroyAt: number;
}

/** The retention status. */
export interface RetentionStatus {
  readonly now: number;
  readonly kinds: readonly KindRetention[];
  readonly keys: readonly KeyRetention[];
  /** Rowid up to which records are rolled up into aggregates, per kind. */
  readonly aggregatedUpTo: { readonly dns: number; readonly flow: number };
}

/** Options of `retentionStatus`. */
export interface RetentionStatusOptions {
  readonly db: RecordsDb;
  /** The epoch key files, read when `epochs` is not given. */
  readonly keyDir?: string;
  /** The epochs that have a key, from the key store in use (epoch-keys.ts); replaces `keyDir`. */
  readonly epochs?: readonly number[];
  readonly retention: RetentionPeriods;
  readonly now: number;
  readonly epochMs?: number;
  /** The oldest lease start held, when the caller can see the lease history. */
  readonly oldestLease?: number | null;
}

/** What a records database holds, as the status needs it (either engine). */
export interface RecordsSeen {
  readonly oldestDns: number | null;
  readonly oldestFlow: number | null;
  readonly marks: { readonly dns: number; readonly flow: number };
  /** Where the records are, for the `where` column (`records.db`, a redacted PostgreSQL URL). */
  readonly where: string;
}

/** Reads the retention status of a SQLite records database and key directory. */
export function retentionStatus(o: RetentionStatusOptions): RetentionStatus {
  const oldest = (sql: string): number | null => {
    const v = o.db.prepare(sql).pluck().get();
    return v === null || v === undefined ? null : Number(v);
  };
  return statusOf(o, {
    oldestDns: oldest('SELECT MIN(time_ms) FROM dns_queries'),
    oldestFlow: oldest('SELECT MIN(start_ms) FROM flows'),
    marks: { dns: aggregateMark(o.db, 'dns'), flow: aggregateMark(o.db, 'flow') },
    where: 'records.db',
  });
}

/** The retention status from what the records database holds and the key directory. */
export function statusOf(o: Omit<RetentionStatusOptions, 'db'>, seen: RecordsSeen): RetentionStatus {
  const epochMs = o.epochMs ?? DEFAULT_EPOCH_MS;
  const kind = (k: KindRetention['kind'], first: number | null, where: string): KindRetention => ({
    kind: k,
    retentionMs: o.retention[k],
    oldest: first,
    oldestKeptUntil: first === null ? null : first + o.retention[k],
    where,
  });
  return {
    now: o.now,
    kinds: [
      kind('dns', seen.oldestDns, `${seen.where} dns_queries`),
      kind('flow', seen.oldestFlow, `${seen.where} flows`),
      kind('lease', o.oldestLease ?? null, 'lease history in the gateway’s memory'),
    ],
    keys: (o.epochs ?? (o.keyDir === undefined ? [] : listEpochKeys(o.keyDir).map((k) => k.epoch))).map(
      (epoch) => ({
        epoch,
        from: epoch * epochMs,
        to: (epoch + 1) * epochMs,
        destroyAt: keyDestroyAt(epoch, epochMs, o.retention),
      }),
    ),
    aggregatedUpTo: seen.marks,
  };
}

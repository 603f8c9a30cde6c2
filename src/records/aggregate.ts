/**
 * Rolling records up into daily aggregates (aggregate-sql.ts), in bounded batches, exactly once.
 *
 * Each step is one IMMEDIATE transaction: read the mark, group the next `batch` rows above it,
 * upsert the groups, move the mark. Two processes rolling up at once (the gateway's job and a
 * `gatehouse records report`) serialise on the write lock and each sees the other's mark, so no
 * row is counted twice; a crash rolls the whole step back, mark included.
 */
import type { Action } from '../core/decision.js';
import {
  type AggregateKind,
  type AggregateRow,
  BATCH_END,
  type Channel,
  type Direction,
  GROUP_DNS,
  GROUP_FLOWS,
  RECORD_TABLE,
  UPSERT_AGGREGATE,
} from './aggregate-sql.js';
import type { RecordsDb } from './retention-db.js';

/** Classifies a destination address (the proxy's `createDestinationClassifier`, injected: records import only core). */
export type ClassifyDestination = (address: string) => 'domestic' | 'international';

/** One group as the GROUP_* statements return it (bigint columns may come back as strings). */
export interface RecordGroup {
  day: string;
  isp: string;
  verdict: Action;
  orderId: number | string;
  count: number | string;
  listener?: string;
  address?: string | null;
  throttled?: number | string;
  bytesUp?: number | string | null;
  bytesDown?: number | string | null;
}

/** Reads a kind's mark (portable SQL). */
export const MARK_SQL = 'SELECT last_id FROM record_aggregate_marks WHERE kind = ?';
/** Sets a kind's mark (portable SQL). */
export const SET_MARK_SQL =
  'INSERT INTO record_aggregate_marks (kind, last_id) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET last_id = excluded.last_id';

/** The highest rowid of `kind` already rolled up (0 when none). */
export function aggregateMark(db: RecordsDb, kind: AggregateKind): number {
  const v = db.prepare(MARK_SQL).pluck().get(kind);
  return v === undefined ? 0 : Number(v);
}

/** Sets the mark (inside the caller's transaction). */
export function setAggregateMark(db: RecordsDb, kind: AggregateKind, id: number): void {
  db.prepare(SET_MARK_SQL).run(kind, id);
}

// CONNECT tunnels carry TLS in practice (the proxy judges them by authority, like SNI).
const channelOf = (listener: string): Channel => (listener === 'http' ? 'http' : 'tls');

/** The groups of `kind` (either dialect's GROUP_* rows) as aggregates, flows merged by direction. */
export function aggregateRows(
  kind: AggregateKind,
  groups: readonly RecordGroup[],
  classify: ClassifyDestination,
): AggregateRow[] {
  if (kind === 'dns') {
    return groups.map((g) => ({
      day: g.day,
      isp: g.isp,
      verdict: g.verdict,
      kind: 'dns',
      channel: 'dns',
      direction: 'unknown',
      orderId: Number(g.orderId),
      throttled: false,
      count: Number(g.count),
      bytesUp: 0,
      bytesDown: 0,
    }));
  }
  const merged = new Map<string, AggregateRow>();
  for (const g of groups) {
    const address = g.address ?? null;
    const direction: Direction = address === null ? 'unknown' : classify(address);
    const channel = channelOf(g.listener ?? '');
    const throttled = Number(g.throttled) === 1;
    const orderId = Number(g.orderId);
    const key = [g.day, channel, g.isp, direction, g.verdict, orderId, throttled].join('\0');
    const prev = merged.get(key);
    merged.set(key, {
      day: g.day,
      kind: 'flow',
      channel,
      isp: g.isp,
      direction,
      verdict: g.verdict,
      orderId,
      throttled,
      count: (prev?.count ?? 0) + Number(g.count),
      bytesUp: (prev?.bytesUp ?? 0) + Number(g.bytesUp ?? 0),
      bytesDown: (prev?.bytesDown ?? 0) + Number(g.bytesDown ?? 0),
    });
  }
  return [...merged.values()];
}

/** Groups the rows of `kind` with rowid in (lo, hi] into aggregates, merging equal dimensions. */
export function groupRows(
  db: RecordsDb,
  kind: AggregateKind,
  lo: number,
  hi: number,
  classify: ClassifyDestination,
): AggregateRow[] {
  const groups = db.prepare(kind === 'dns' ? GROUP_DNS : GROUP_FLOWS).all(lo, hi) as RecordGroup[];
  return aggregateRows(kind, groups, classify);
}

/** The values of UPSERT_AGGREGATE for one aggregate. */
export function upsertValues(r: AggregateRow): (string | number)[] {
  return [
    r.day,
    r.kind,
    r.channel,
    r.isp,
    r.direction,
    r.verdict,
    r.orderId,
    r.throttled ? 1 : 0,
    r.count,
    r.bytesUp,
    r.bytesDown,
  ];
}

/**
 * Rolls up at most `batch` rows of `kind` above its mark; returns how many records it rolled up
 * (0 when it had caught up).
 */
export function rollUpStep(
  db: RecordsDb,
  kind: AggregateKind,
  batch: number,
  classify: ClassifyDestination,
): number {
  const upsert = db.prepare(UPSERT_AGGREGATE);
  const end = db.prepare(BATCH_END(RECORD_TABLE[kind])).pluck();
  return db
    .transaction(() => {
      const lo = aggregateMark(db, kind);
      const hiValue = end.get(lo, batch);
      if (hiValue === null || hiValue === undefined) return 0;
      const hi = Number(hiValue);
      let records = 0;
      for (const r of groupRows(db, kind, lo, hi, classify)) {
        upsert.run(...upsertValues(r));
        records += r.count;
      }
      setAggregateMark(db, kind, hi);
      return records;
    })
    .immediate();
}

/**
 * The aggregates of records not rolled up yet (above the marks), computed without writing: reports
 * add them to the stored aggregates so they are exact up to the last record written.
 */
export function pendingAggregates(db: RecordsDb, classify: ClassifyDestination): AggregateRow[] {
  // One read transaction: the marks and the rows above them come from the same WAL snapshot.
  return db.transaction(() =>
    (['dns', 'flow'] as const).flatMap((kind) =>
      groupRows(db, kind, aggregateMark(db, kind), Number.MAX_SAFE_INTEGER, classify),
    ),
  )();
}

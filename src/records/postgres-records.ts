/**
 * The records database on PostgreSQL as the retention job and the reports use it: the same tables,
 * the same roll-up into daily aggregates and the same reports as SQLite (retention-db.ts,
 * aggregate.ts, report.ts), over the SQL they share (aggregate-sql.ts, `?` placeholders numbered
 * here). What differs, and why:
 *
 * - Serialisation: SQLite's IMMEDIATE transaction becomes `pg_advisory_xact_lock(RECORDS_WRITE_LOCK)`,
 *   which also waits for the sinks' inserts in flight (sinks/postgres.ts), so a mark never passes an
 *   id that a slower node has drawn but not committed yet. Several nodes may run the job at once.
 * - Deleting: identity values never repeat, so the mark need not drop when the table's top is
 *   deleted (SQLite reuses rowids above the maximum).
 * - Reports read in one REPEATABLE READ snapshot (SQLite: one read transaction on the WAL).
 *
 * Nothing connects until first use, so a gateway starts while PostgreSQL is down; each use retries.
 */
import pg from 'pg';
import { GatehouseError } from '../core/errors.js';
import {
  aggregateRows,
  type ClassifyDestination,
  MARK_SQL,
  type RecordGroup,
  SET_MARK_SQL,
  upsertValues,
} from './aggregate.js';
import {
  type AggregateKind,
  type AggregateRow,
  aggregateDdl,
  BATCH_END,
  groupDnsSql,
  groupFlowsSql,
  RECORD_TABLE,
  UPSERT_AGGREGATE,
} from './aggregate-sql.js';
import {
  aggregateRowOf,
  type MonthlyTotals,
  monthlyTotalsOf,
  type OrderHits,
  orderHitsOf,
  REPORT_SELECTIONS,
  type ReportSelection,
  type TrafficReport,
  trafficReportOf,
  trafficSelection,
} from './report.js';
import { deleteExpiredSql, type RetentionSteps } from './retention.js';
import type { RecordsSeen } from './retention-status.js';
import { DDL_LOCK_KEY, numbered, RECORDS_WRITE_LOCK, redact } from './sinks/postgres.js';
import { recordsDdl } from './sinks/sql.js';

/** The reports of report.ts, answered asynchronously. */
export interface AsyncReports {
  orderHits(): Promise<Map<number, OrderHits>>;
  monthlyTotals(): Promise<MonthlyTotals[]>;
  trafficReport(from: number, to: number): Promise<TrafficReport>;
}

/** An open (lazily connected) records database on PostgreSQL. */
export interface PostgresRecords {
  readonly steps: RetentionSteps;
  readonly reports: AsyncReports;
  /** What the database holds, for `gatehouse records retention` (retention-status.ts). */
  seen(): Promise<RecordsSeen>;
  close(): Promise<void>;
}

type Query = (text: string, values?: readonly unknown[]) => Promise<pg.QueryResult>;

/** Runs `work` in one transaction on one connection (`begin` names its isolation). */
async function transaction<T>(pool: pg.Pool, begin: string, work: (q: Query) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await work((text, values) => client.query(numbered(text), values as unknown[]));
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

const markOf = async (q: Query, kind: AggregateKind): Promise<number> => {
  const v = (await q(MARK_SQL, [kind])).rows[0]?.last_id;
  return v === undefined || v === null ? 0 : Number(v);
};

const groupsAbove = async (
  q: Query,
  kind: AggregateKind,
  lo: number,
  hi: number,
  classify: ClassifyDestination,
): Promise<AggregateRow[]> => {
  const sql = kind === 'dns' ? groupDnsSql('postgres') : groupFlowsSql('postgres');
  return aggregateRows(kind, (await q(sql, [lo, hi])).rows as RecordGroup[], classify);
};

/** Opens a pool on `url`; tables are created on first use. Failures are GH_ERR_RECORDS_SINK. */
export function openPostgresRecords(url: string, classify: ClassifyDestination): PostgresRecords {
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'gatehouse-retention' });
  // An idle connection dropped by the server must not kill the process; the next use fails visibly.
  pool.on('error', () => {});
  let ready: Promise<void> | null = null;
  const ensure = (): Promise<void> => {
    ready ??= transaction(pool, 'BEGIN', async (q) => {
      await q(`SELECT pg_advisory_xact_lock(${DDL_LOCK_KEY})`);
      for (const ddl of [...recordsDdl('postgres'), ...aggregateDdl()]) await q(ddl);
    }).catch((err: unknown) => {
      ready = null; // try again at the next use
      throw err;
    });
    return ready;
  };
  /** `work` after the tables exist, its failures as GH_ERR_RECORDS_SINK. */
  const using = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    try {
      await ensure();
      return await work();
    } catch (err) {
      if (err instanceof GatehouseError) throw err;
      const why = err instanceof Error ? err.message : String(err);
      throw new GatehouseError('GH_ERR_RECORDS_SINK', `${what} in "${redact(url)}": ${why}`, [], {
        cause: err,
      });
    }
  };

  const steps: RetentionSteps = {
    rollUp: (kind, batch, classifyStep) =>
      using(`rolling up ${RECORD_TABLE[kind]}`, () =>
        transaction(pool, 'BEGIN', async (q) => {
          await q(`SELECT pg_advisory_xact_lock(${RECORDS_WRITE_LOCK})`);
          const lo = await markOf(q, kind);
          const end = (await q(BATCH_END(RECORD_TABLE[kind]), [lo, batch])).rows[0]?.max;
          if (end === null || end === undefined) return 0;
          const hi = Number(end);
          let records = 0;
          for (const r of await groupsAbove(q, kind, lo, hi, classifyStep)) {
            await q(UPSERT_AGGREGATE, upsertValues(r));
            records += r.count;
          }
          await q(SET_MARK_SQL, [kind, hi]);
          return records;
        }),
      ),
    deleteExpired: (kind, cutoff, batch) =>
      using(`deleting expired ${RECORD_TABLE[kind]}`, async () => {
        // The mark only grows, so rows at or below the one read here stay rolled up.
        const q: Query = (text, values) => pool.query(numbered(text), values as unknown[]);
        const mark = await markOf(q, kind);
        return (await q(deleteExpiredSql(kind), [cutoff, mark, batch])).rowCount ?? 0;
      }),
  };

  /** Stored aggregates matching the selection plus the pending ones it keeps, from one snapshot. */
  const rows = (s: ReportSelection): Promise<AggregateRow[]> =>
    using('reading aggregates', () =>
      transaction(pool, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async (q) => {
        const stored = (await q(`SELECT * FROM record_aggregates WHERE ${s.where}`, s.params)).rows;
        const out = stored.map((r) => aggregateRowOf(r as Record<string, unknown>));
        for (const kind of ['dns', 'flow'] as const) {
          const pending = await groupsAbove(
            q,
            kind,
            await markOf(q, kind),
            Number.MAX_SAFE_INTEGER,
            classify,
          );
          out.push(...pending.filter(s.keep));
        }
        return out;
      }),
    );

  const reports: AsyncReports = {
    orderHits: async () => orderHitsOf(await rows(REPORT_SELECTIONS.orderHits)),
    monthlyTotals: async () => monthlyTotalsOf(await rows(REPORT_SELECTIONS.monthly)),
    async trafficReport(from, to) {
      const s = trafficSelection(from, to);
      return trafficReportOf(s.first, s.end, await rows(s));
    },
  };
  const seen = (): Promise<RecordsSeen> =>
    using('reading the retention status', () =>
      transaction(pool, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async (q) => {
        const min = async (sql: string) => {
          const v = (await q(sql)).rows[0]?.min;
          return v === null || v === undefined ? null : Number(v);
        };
        return {
          oldestDns: await min('SELECT MIN(time_ms) FROM dns_queries'),
          oldestFlow: await min('SELECT MIN(start_ms) FROM flows'),
          marks: { dns: await markOf(q, 'dns'), flow: await markOf(q, 'flow') },
          where: redact(url),
        };
      }),
    );
  return { steps, reports, seen, close: () => pool.end() };
}

/** The PostgreSQL URL of `records.store`, or undefined for `local` (SQLite in the data directory). */
export function postgresRecordsUrl(records: { readonly store: string }): string | undefined {
  return /^postgres(ql)?:\/\//.test(records.store) ? records.store : undefined;
}

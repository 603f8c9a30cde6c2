/**
 * The daily aggregates' tables, in the records database beside the records they summarise.
 *
 * An aggregate row counts records of one UTC day by ISP, direction, verdict and order: nothing in
 * it names a subscriber, a pseudonym, an address or a name, so it may outlive the records (it backs
 * the regulator's traffic reports and the public transparency report). `record_aggregate_marks`
 * holds, per record table, the highest rowid already rolled up: the roll-up reads only rows above
 * it and moves it in the same transaction as its upserts, so running it twice counts nothing twice.
 */
import type { Action } from '../core/decision.js';
import type { RecordsDialect } from './sinks/sql.js';

/** The record tables that are rolled up. */
export type AggregateKind = 'dns' | 'flow';

/** Which channel a record arrived on: DNS, plain HTTP, or TLS (CONNECT tunnels and SNI-routed TLS). */
export type Channel = 'dns' | 'http' | 'tls';

/** Where the traffic went: by `proxy.domesticPrefixes`; DNS queries and refused flows are `unknown`. */
export type Direction = 'domestic' | 'international' | 'unknown';

/** One aggregate: how many records (and bytes, for flows) share these dimensions. */
export interface AggregateRow {
  /** UTC day `YYYY-MM-DD` of the query time or the flow's start. */
  readonly day: string;
  readonly kind: AggregateKind;
  readonly channel: Channel;
  readonly isp: string;
  readonly direction: Direction;
  readonly verdict: Action;
  /** The order that decided, or 0. */
  readonly orderId: number;
  /** Flows that passed through a throttle. */
  readonly throttled: boolean;
  readonly count: number;
  readonly bytesUp: number;
  readonly bytesDown: number;
}

/** The record table behind each kind. */
export const RECORD_TABLE: Record<AggregateKind, 'dns_queries' | 'flows'> = {
  dns: 'dns_queries',
  flow: 'flows',
};

/** Statements that create the aggregate tables (idempotent, portable SQL: SQLite and PostgreSQL). */
export function aggregateDdl(): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS record_aggregates (
      day TEXT NOT NULL,
      kind TEXT NOT NULL,
      channel TEXT NOT NULL,
      isp TEXT NOT NULL,
      direction TEXT NOT NULL,
      verdict TEXT NOT NULL,
      order_id BIGINT NOT NULL,
      throttled SMALLINT NOT NULL,
      count BIGINT NOT NULL,
      bytes_up BIGINT NOT NULL,
      bytes_down BIGINT NOT NULL,
      PRIMARY KEY (day, kind, channel, isp, direction, verdict, order_id, throttled))`,
    'CREATE INDEX IF NOT EXISTS record_aggregates_order ON record_aggregates (order_id)',
    'CREATE TABLE IF NOT EXISTS record_aggregate_marks (kind TEXT PRIMARY KEY, last_id BIGINT NOT NULL)',
  ];
}

/** Adds one aggregate to the stored one with the same dimensions. */
export const UPSERT_AGGREGATE = `INSERT INTO record_aggregates
  (day, kind, channel, isp, direction, verdict, order_id, throttled, count, bytes_up, bytes_down)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (day, kind, channel, isp, direction, verdict, order_id, throttled) DO UPDATE SET
    count = record_aggregates.count + excluded.count,
    bytes_up = record_aggregates.bytes_up + excluded.bytes_up,
    bytes_down = record_aggregates.bytes_down + excluded.bytes_down`;

/**
 * The UTC day `YYYY-MM-DD` of a millisecond column: the one place the dialects differ here
 * (SQLite has strftime over unix seconds; PostgreSQL has to_char over a timestamp, taken in UTC).
 */
const DAY: Record<RecordsDialect, (column: string) => string> = {
  sqlite: (column) => `strftime('%Y-%m-%d', ${column} / 1000, 'unixepoch')`,
  postgres: (column) => `to_char(to_timestamp(${column} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
};

// Aliases are quoted: PostgreSQL folds unquoted identifiers to lower case (`orderid`).

/** DNS queries with rowid in (lo, hi], grouped by the aggregate's dimensions. */
export const groupDnsSql = (dialect: RecordsDialect): string => `SELECT ${DAY[dialect]('time_ms')} AS day,
    isp, verdict, order_id AS "orderId", COUNT(*) AS count
  FROM dns_queries WHERE id > ? AND id <= ?
  GROUP BY 1, isp, verdict, order_id`;

/**
 * Flows with rowid in (lo, hi], grouped by everything but the direction, which needs the
 * destination address (classified in JavaScript against the domestic prefixes, then dropped).
 */
export const groupFlowsSql = (dialect: RecordsDialect): string => `SELECT ${DAY[dialect]('start_ms')} AS day,
    isp, listener, destination_address AS address, verdict, order_id AS "orderId", throttled,
    COUNT(*) AS count, SUM(bytes_up) AS "bytesUp", SUM(bytes_down) AS "bytesDown"
  FROM flows WHERE id > ? AND id <= ?
  GROUP BY 1, isp, listener, destination_address, verdict, order_id, throttled`;

/** `groupDnsSql` for SQLite. */
export const GROUP_DNS = groupDnsSql('sqlite');
/** `groupFlowsSql` for SQLite. */
export const GROUP_FLOWS = groupFlowsSql('sqlite');

/** The rowid `batch` rows above `lo` (or the last one), or null when none is above `lo`. */
export const BATCH_END = (table: string) =>
  // PostgreSQL (before 16) requires the alias of a subquery in FROM; SQLite accepts it.
  `SELECT MAX(id) FROM (SELECT id FROM ${table} WHERE id > ? ORDER BY id LIMIT ?) AS batch`;

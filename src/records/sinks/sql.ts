/**
 * Portable SQL for the record tables, shared by the SQLite sink and the PostgreSQL sink to come.
 *
 * Portability: standard types only (BIGINT, INTEGER, SMALLINT, TEXT), booleans stored as SMALLINT
 * 0/1 (better-sqlite3 cannot bind JS booleans), no `time`/`end` column names (PostgreSQL keywords),
 * `?` placeholders (the pg sink numbers them). The one dialect difference is the surrogate key.
 */
import type { Action } from '../../core/decision.js';
import type { DnsQueryRecord, DnsTransport, FlowListener, FlowRecord } from '../types.js';

/** The SQL dialects that hold records. */
export type RecordsDialect = 'sqlite' | 'postgres';

/** A value bound to a statement parameter. */
export type SqlValue = string | number | null;

const KEY: Record<RecordsDialect, string> = {
  // SQLite: an alias of the rowid, free to maintain. PostgreSQL: an identity column.
  sqlite: 'id INTEGER PRIMARY KEY',
  postgres: 'id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
};

/** Columns of `dns_queries`, in the order `putDnsRow` writes values. */
export const DNS_COLUMNS = [
  'time_ms BIGINT NOT NULL',
  'client_address TEXT NOT NULL',
  'client_port INTEGER',
  'transport TEXT NOT NULL',
  'isp TEXT NOT NULL',
  'subscriber TEXT',
  'qname TEXT NOT NULL',
  'qtype INTEGER NOT NULL',
  'rcode INTEGER NOT NULL',
  'verdict TEXT NOT NULL',
  'order_id BIGINT NOT NULL',
  'rule_id INTEGER NOT NULL',
  'cache_hit SMALLINT NOT NULL',
  'upstream TEXT',
  'latency_us BIGINT NOT NULL',
  'ede SMALLINT',
] as const;

/** Columns of `flows`, in the order `putFlowRow` writes values. */
export const FLOW_COLUMNS = [
  'start_ms BIGINT NOT NULL',
  'end_ms BIGINT NOT NULL',
  'client_address TEXT NOT NULL',
  'isp TEXT NOT NULL',
  'subscriber TEXT',
  'listener TEXT NOT NULL',
  'destination_name TEXT',
  'destination_address TEXT',
  'port INTEGER NOT NULL',
  'bytes_up BIGINT NOT NULL',
  'bytes_down BIGINT NOT NULL',
  'verdict TEXT NOT NULL',
  'order_id BIGINT NOT NULL',
  'throttled SMALLINT NOT NULL',
  'ech SMALLINT NOT NULL',
] as const;

const names = (columns: readonly string[]): string[] => columns.map((c) => c.split(' ')[0] as string);

/** Statements that create both tables and their time indexes (idempotent). */
export function recordsDdl(dialect: RecordsDialect): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS dns_queries (${[KEY[dialect], ...DNS_COLUMNS].join(', ')})`,
    'CREATE INDEX IF NOT EXISTS dns_queries_time ON dns_queries (time_ms)',
    `CREATE TABLE IF NOT EXISTS flows (${[KEY[dialect], ...FLOW_COLUMNS].join(', ')})`,
    'CREATE INDEX IF NOT EXISTS flows_start ON flows (start_ms)',
  ];
}

/** Rows per multi-row INSERT: one statement step per 100 records is ~1.4x faster than one per record. */
export const ROWS_PER_INSERT = 100;

/** `INSERT INTO table (…) VALUES (?, …), …` for `rows` rows (standard SQL; PostgreSQL takes it too). */
export function insertSql(table: 'dns_queries' | 'flows', rows = 1): string {
  const cols = names(table === 'dns_queries' ? DNS_COLUMNS : FLOW_COLUMNS);
  const row = `(${cols.map(() => '?').join(', ')})`;
  return `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${new Array(rows).fill(row).join(', ')}`;
}

/** A time-range select with optional equality filters, oldest first. */
export function selectSql(table: 'dns_queries' | 'flows', filters: readonly string[]): string {
  const cols = names(table === 'dns_queries' ? DNS_COLUMNS : FLOW_COLUMNS);
  const time = cols[0];
  const where = [`${time} >= ?`, `${time} < ?`, ...filters.map((f) => `${f} = ?`)].join(' AND ');
  return `SELECT ${cols.join(', ')} FROM ${table} WHERE ${where} ORDER BY ${time}, id LIMIT ?`;
}

/** Writes the 16 parameter values of one `dns_queries` row into `out` from index `at`. */
export function putDnsRow(r: DnsQueryRecord, out: SqlValue[], at: number): void {
  out[at] = r.time;
  out[at + 1] = r.clientAddress;
  out[at + 2] = r.clientPort;
  out[at + 3] = r.transport;
  out[at + 4] = r.isp;
  out[at + 5] = r.subscriber;
  out[at + 6] = r.qname;
  out[at + 7] = r.qtype;
  out[at + 8] = r.rcode;
  out[at + 9] = r.verdict;
  out[at + 10] = r.orderId;
  out[at + 11] = r.ruleId;
  out[at + 12] = r.cacheHit ? 1 : 0;
  out[at + 13] = r.upstream;
  out[at + 14] = r.latencyUs;
  out[at + 15] = r.ede;
}

/** Writes the 15 parameter values of one `flows` row into `out` from index `at`. */
export function putFlowRow(r: FlowRecord, out: SqlValue[], at: number): void {
  out[at] = r.start;
  out[at + 1] = r.end;
  out[at + 2] = r.clientAddress;
  out[at + 3] = r.isp;
  out[at + 4] = r.subscriber;
  out[at + 5] = r.listener;
  out[at + 6] = r.destinationName;
  out[at + 7] = r.destinationAddress;
  out[at + 8] = r.port;
  out[at + 9] = r.bytesUp;
  out[at + 10] = r.bytesDown;
  out[at + 11] = r.verdict;
  out[at + 12] = r.orderId;
  out[at + 13] = r.throttled ? 1 : 0;
  out[at + 14] = r.ech ? 1 : 0;
}

/** A `dns_queries` row (values in column order) back to a record. */
export function dnsRecord(v: readonly SqlValue[]): DnsQueryRecord {
  return {
    time: Number(v[0]),
    clientAddress: String(v[1]),
    clientPort: v[2] === null ? null : Number(v[2]),
    transport: v[3] as DnsTransport,
    isp: String(v[4]),
    subscriber: v[5] === null ? null : String(v[5]),
    qname: String(v[6]),
    qtype: Number(v[7]),
    rcode: Number(v[8]),
    verdict: v[9] as Action,
    orderId: Number(v[10]),
    ruleId: Number(v[11]),
    cacheHit: Number(v[12]) === 1,
    upstream: v[13] === null ? null : String(v[13]),
    latencyUs: Number(v[14]),
    ede: v[15] === null ? null : Number(v[15]),
  };
}

/** A `flows` row (values in column order) back to a record. */
export function flowRecord(v: readonly SqlValue[]): FlowRecord {
  return {
    start: Number(v[0]),
    end: Number(v[1]),
    clientAddress: String(v[2]),
    isp: String(v[3]),
    subscriber: v[4] === null ? null : String(v[4]),
    listener: v[5] as FlowListener,
    destinationName: v[6] === null ? null : String(v[6]),
    destinationAddress: v[7] === null ? null : String(v[7]),
    port: Number(v[8]),
    bytesUp: Number(v[9]),
    bytesDown: Number(v[10]),
    verdict: v[11] as Action,
    orderId: Number(v[12]),
    throttled: Number(v[13]) === 1,
    ech: Number(v[14]) === 1,
  };
}

/**
 * The SQLite record sink: a database file of its own (default `<dataDir>/records.db`), apart from the
 * control-plane store, so record volume never contends with orders and audit.
 *
 * WAL with `synchronous=NORMAL`: a commit is durable against a process crash, and against power
 * loss up to the last checkpoint (records are metadata; the spool covers the gap while the sink is
 * down). Each batch is ONE transaction of prepared multi-row INSERTs (`ROWS_PER_INSERT` rows each).
 *
 * better-sqlite3 is synchronous: `write` blocks the thread it runs on for the whole transaction.
 * In the data plane, run it in a worker thread (`createWorkerSink`, worker.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { GatehouseError } from '../../core/errors.js';
import type { DnsQueryRecord, FlowRecord, RecordQuery, RecordSink } from '../types.js';
import { chunkRows } from './chunk.js';
import type { PackedBatch, RowSource } from './packed.js';
import { recordRows } from './packed.js';
import {
  DNS_COLUMNS,
  dnsRecord,
  FLOW_COLUMNS,
  flowRecord,
  insertSql,
  putDnsRow,
  putFlowRow,
  ROWS_PER_INSERT,
  recordsDdl,
  type SqlValue,
  selectSql,
} from './sql.js';

/** Configuration of `createSqliteSink`. */
export interface SqliteSinkConfig {
  /** The database file (its directory is created), or `:memory:`. */
  readonly path: string;
}

/** Selects flows by start time (`from` inclusive, `to` exclusive) and optional equality filters. */
export interface FlowQuery {
  readonly from: number;
  readonly to: number;
  readonly limit: number;
  readonly clientAddress?: string | undefined;
  readonly destinationName?: string | undefined;
}

/** An open records database: one sink per record kind, and queries for tests and the CLI. */
export interface SqliteSink {
  readonly dns: RecordSink<DnsQueryRecord>;
  readonly flows: RecordSink<FlowRecord>;
  /**
   * Stores packed chunks of one table (chunk.ts, packed.ts: the worker's path), in one transaction.
   * `between` runs after each multi-row INSERT (every ROWS_PER_INSERT rows): the sink thread's yield
   * (records/thread-yield.ts), so the thread answering queries never waits behind a whole write.
   */
  writeChunks(chunks: readonly PackedBatch[], between?: () => void): void;
  /** DNS query records in the time range, oldest first. */
  query(q: RecordQuery): DnsQueryRecord[];
  queryFlows(q: FlowQuery): FlowRecord[];
  /** Rows stored per table. */
  count(): { readonly dnsQueries: number; readonly flows: number };
  close(): void;
}

/** The default records database file under the data directory. */
export function recordsDbPath(dataDir: string): string {
  return join(dataDir, 'records.db');
}

/** Opens (creating if needed) the records database; throws GH_ERR_RECORDS_SINK when it cannot. */
export function createSqliteSink(config: SqliteSinkConfig): SqliteSink {
  let db: Database.Database;
  try {
    if (config.path !== ':memory:') mkdirSync(dirname(resolve(config.path)), { recursive: true });
    db = new Database(config.path);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new GatehouseError('GH_ERR_RECORDS_SINK', `opening records database "${config.path}": ${why}`, [], {
      cause: err,
    });
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    for (const sql of recordsDdl('sqlite')) db.exec(sql);
  } catch (err) {
    db.close();
    throw new GatehouseError('GH_ERR_RECORDS_SINK', `preparing records database "${config.path}"`, [], {
      cause: err,
    });
  }
  return buildSink(db);
}

type Table = 'dns_queries' | 'flows';
type Range = { readonly from: number; readonly to: number; readonly limit: number };

/**
 * A transaction that inserts a batch: full chunks through one multi-row statement, the rest one row
 * at a time; one parameter array is reused, so a batch allocates nothing per record.
 */
function batchInsert(
  db: Database.Database,
  table: Table,
  width: number,
): (rows: RowSource, between: () => void) => void {
  const many = db.prepare(insertSql(table, ROWS_PER_INSERT));
  const one = db.prepare(insertSql(table, 1));
  const params = new Array<SqlValue>(width * ROWS_PER_INSERT).fill(null);
  const row = new Array<SqlValue>(width).fill(null);
  return db.transaction((rows: RowSource, between: () => void) => {
    let i = 0;
    for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
      for (let j = 0; j < ROWS_PER_INSERT; j++) rows.put(i + j, params, j * width);
      many.run(params);
      between();
    }
    for (; i < rows.length; i++) {
      rows.put(i, row, 0);
      one.run(row);
    }
  });
}

const NOTHING = (): void => {};

function buildSink(db: Database.Database): SqliteSink {
  const writeDns = batchInsert(db, 'dns_queries', DNS_COLUMNS.length);
  const writeFlows = batchInsert(db, 'flows', FLOW_COLUMNS.length);
  const selects = new Map<string, Database.Statement<SqlValue[], SqlValue[]>>();
  /** Runs a time-range select with the filters whose value is given; statements are prepared once. */
  const select = (table: Table, q: Range, filters: [string, string | undefined][]): SqlValue[][] => {
    const used = filters.filter((f): f is [string, string] => f[1] !== undefined);
    const sql = selectSql(
      table,
      used.map((f) => f[0]),
    );
    let stmt = selects.get(sql);
    if (stmt === undefined) {
      stmt = db.prepare<SqlValue[], SqlValue[]>(sql).raw(true);
      selects.set(sql, stmt);
    }
    return stmt.all(q.from, q.to, ...used.map((f) => f[1]), q.limit) as SqlValue[][];
  };
  return {
    dns: { write: (batch) => writeDns(recordRows(batch, putDnsRow), NOTHING) },
    flows: { write: (batch) => writeFlows(recordRows(batch, putFlowRow), NOTHING) },
    writeChunks: (chunks, between = NOTHING) => {
      const first = chunks[0];
      if (first !== undefined)
        (first.table === 'dns_queries' ? writeDns : writeFlows)(chunkRows(chunks), between);
    },
    query: (q) =>
      select('dns_queries', q, [
        ['qname', q.qname],
        ['client_address', q.clientAddress],
      ]).map(dnsRecord),
    queryFlows: (q) =>
      select('flows', q, [
        ['client_address', q.clientAddress],
        ['destination_name', q.destinationName],
      ]).map(flowRecord),
    count: () => ({
      dnsQueries: Number(db.prepare('SELECT COUNT(*) FROM dns_queries').pluck().get()),
      flows: Number(db.prepare('SELECT COUNT(*) FROM flows').pluck().get()),
    }),
    close: () => db.close(),
  };
}

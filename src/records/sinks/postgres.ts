/**
 * The PostgreSQL record sink: the same tables as the SQLite sink (`sql.ts`), for deployments whose
 * nodes share one database. A batch of up to `rowsPerInsert` records is ONE statement, `INSERT …
 * SELECT * FROM unnest($1::bigint[], $2::text[], …)`: one binary array parameter per column
 * (pg-arrays.ts), so the statement text and plan are the same for every batch size (prepared once per
 * connection) and the batch is atomic without BEGIN/COMMIT. A larger batch is split into several such
 * statements, pipelined on one connection inside one transaction, so encoding overlaps inserting.
 * (`COPY … FROM STDIN` would need pg-copy-streams; unnest of binary arrays comes close to it.)
 *
 * bigint columns come back from `pg` as strings; `dnsRecord`/`flowRecord` apply `Number()`.
 */
import pg from 'pg';
import { GatehouseError } from '../../core/errors.js';
import type { DnsQueryRecord, FlowRecord, RecordQuery, RecordSink } from '../types.js';
import { chunkRows } from './chunk.js';
import { type PackedBatch, type RowSource, recordRows } from './packed.js';
import { type ElementType, elementType, encodeArray } from './pg-arrays.js';
import {
  DNS_COLUMNS,
  dnsRecord,
  FLOW_COLUMNS,
  flowRecord,
  putDnsRow,
  putFlowRow,
  recordsDdl,
  type SqlValue,
  selectSql,
} from './sql.js';
import type { FlowQuery } from './sqlite.js';

/** Configuration of `createPostgresSink`. */
export interface PostgresSinkConfig {
  /** `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (libpq parameters pass through to `pg`). */
  readonly url: string;
  /** Connections at most (default 4: one writer per record kind, and queries). */
  readonly poolSize?: number;
  /**
   * Rows per INSERT statement (default 2,500); a larger batch (the pipeline's backlog batches hold up
   * to 10,000) becomes several in one transaction, each encoded while the server inserts the previous.
   */
  readonly rowsPerInsert?: number;
}

/** An open records database on PostgreSQL: one sink per record kind, and queries for tests and the CLI. */
export interface PostgresSink {
  readonly dns: RecordSink<DnsQueryRecord>;
  readonly flows: RecordSink<FlowRecord>;
  /** Packed chunks of one table (chunk.ts), the records pipeline's path: bound without record objects. */
  readonly chunks: RecordSink<PackedBatch>;
  /** DNS query records in the time range, oldest first. */
  query(q: RecordQuery): Promise<DnsQueryRecord[]>;
  /** Flow records in the time range, oldest first. */
  queryFlows(q: FlowQuery): Promise<FlowRecord[]>;
  /** Rows stored per table. */
  count(): Promise<{ readonly dnsQueries: number; readonly flows: number }>;
  /** Ends the pool; the sink is unusable afterwards. */
  close(): Promise<void>;
}

type Table = 'dns_queries' | 'flows';

/** Serialises table creation across nodes starting at once (CREATE … IF NOT EXISTS is not race-free). */
export const DDL_LOCK_KEY = '7453066778510451';

/** The URL with its password masked. */
export const redact = (url: string): string => url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');

/**
 * The advisory lock that keeps ids and the aggregate mark consistent. PostgreSQL hands out identity
 * values at insert time but several nodes commit in any order, so a roll-up could see id 101 while
 * 100 is still uncommitted, move its mark past 100 and never count it. Every insert holds this lock
 * SHARED for its transaction, taken before its first id is drawn; a roll-up step holds it EXCLUSIVE,
 * so it waits for inserts in flight and sees every id below the ones it reads committed.
 */
export const RECORDS_WRITE_LOCK = '7453066778510452';

/**
 * `INSERT INTO table (…) SELECT * FROM unnest($1::type[], …) WHERE <shared lock>`, types from the
 * column definitions. The lock is in the WHERE (volatile, so checked per row, before the row's
 * projection draws its id): one statement still, and re-taking a held shared lock is a local lookup.
 */
export function unnestInsertSql(table: Table): string {
  const columns = table === 'dns_queries' ? DNS_COLUMNS : FLOW_COLUMNS;
  const names = columns.map((c) => c.split(' ')[0]);
  const arrays = columns.map((c, i) => `$${i + 1}::${c.split(' ')[1]?.toLowerCase()}[]`);
  return (
    `INSERT INTO ${table} (${names.join(', ')}) SELECT * FROM unnest(${arrays.join(', ')}) ` +
    `WHERE pg_advisory_xact_lock_shared(${RECORDS_WRITE_LOCK}) IS NOT NULL`
  );
}

/** `?` placeholders as PostgreSQL's numbered ones (`?` appears nowhere else in the shared SQL). */
export function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/** Opens the pool and creates the tables if needed; throws GH_ERR_RECORDS_SINK when it cannot. */
export async function createPostgresSink(config: PostgresSinkConfig): Promise<PostgresSink> {
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolSize ?? 4,
    application_name: 'gatehouse-records',
  });
  // An idle connection dropped by the server must not kill the process; the next write fails visibly.
  pool.on('error', () => {});
  try {
    await inTransaction(pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(${DDL_LOCK_KEY})`);
      for (const ddl of recordsDdl('postgres')) await client.query(ddl);
    });
  } catch (err) {
    await pool.end();
    const why = err instanceof Error ? err.message : String(err);
    throw new GatehouseError(
      'GH_ERR_RECORDS_SINK',
      `opening records database "${redact(config.url)}": ${why}`,
      [],
      { cause: err },
    );
  }
  return buildSink(pool, config.rowsPerInsert ?? 2_500);
}

async function inTransaction(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await work(client);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Rows `from`..`to` of a batch as one binary array per column (see pg-arrays.ts). Built before the
 * statement is queued, so that encoding the next chunk overlaps the server inserting the previous one.
 */
function encodeColumns(rows: RowSource, from: number, to: number, types: readonly ElementType[]): Buffer[] {
  const width = types.length;
  const row = new Array<SqlValue>(width).fill(null);
  const columns = Array.from({ length: width }, () => new Array<SqlValue>(to - from));
  for (let i = from; i < to; i++) {
    rows.put(i, row, 0);
    for (let k = 0; k < width; k++) (columns[k] as SqlValue[])[i - from] = row[k] as SqlValue;
  }
  return columns.map((values, k) => encodeArray(types[k] as ElementType, values));
}

/**
 * A writer for one table. A batch up to `rowsPerInsert` rows is one statement; a larger one is split
 * into statements sent one after another on one connection inside BEGIN/COMMIT, each next one
 * encoded while the server inserts the previous.
 */
function batchInsert(
  pool: pg.Pool,
  table: Table,
  rowsPerInsert: number,
): (batch: RowSource) => Promise<void> {
  const text = unnestInsertSql(table);
  const name = `gatehouse_insert_${table}`;
  const types = (table === 'dns_queries' ? DNS_COLUMNS : FLOW_COLUMNS).map(elementType);
  const write = async (batch: RowSource): Promise<void> => {
    if (batch.length <= rowsPerInsert) {
      await pool.query({ name, text, values: encodeColumns(batch, 0, batch.length, types) });
      return;
    }
    await inTransaction(pool, async (client) => {
      // One statement on the wire at a time (`pg` deprecates queueing on a busy client), but the
      // next chunk is encoded while the server inserts the current one.
      let running: Promise<unknown> | null = null;
      for (let i = 0; i < batch.length; i += rowsPerInsert) {
        const values = encodeColumns(batch, i, Math.min(batch.length, i + rowsPerInsert), types);
        if (running !== null) await running;
        running = client.query({ name, text, values });
        running.catch(() => {}); // awaited below or in the next turn of the loop
      }
      await running;
    });
  };
  return async (batch) => {
    if (batch.length === 0) return;
    try {
      await write(batch);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new GatehouseError('GH_ERR_RECORDS_SINK', `writing ${batch.length} ${table} rows: ${why}`, [], {
        cause: err,
      });
    }
  };
}

function buildSink(pool: pg.Pool, rowsPerInsert: number): PostgresSink {
  const writeDns = batchInsert(pool, 'dns_queries', rowsPerInsert);
  const writeFlows = batchInsert(pool, 'flows', rowsPerInsert);
  /** Runs a time-range select with the filters whose value is given, rows as arrays in column order. */
  const select = async (
    table: Table,
    q: { readonly from: number; readonly to: number; readonly limit: number },
    filters: [string, string | undefined][],
  ): Promise<SqlValue[][]> => {
    const used = filters.filter((f): f is [string, string] => f[1] !== undefined);
    const text = numbered(
      selectSql(
        table,
        used.map((f) => f[0]),
      ),
    );
    const values = [q.from, q.to, ...used.map((f) => f[1]), q.limit];
    return (await pool.query<SqlValue[]>({ text, values, rowMode: 'array' })).rows;
  };
  return {
    dns: { write: (batch) => writeDns(recordRows(batch, putDnsRow)) },
    flows: { write: (batch) => writeFlows(recordRows(batch, putFlowRow)) },
    chunks: {
      write: async (chunks) => {
        const first = chunks[0];
        if (first !== undefined)
          await (first.table === 'dns_queries' ? writeDns : writeFlows)(chunkRows(chunks));
      },
    },
    query: async (q) =>
      (
        await select('dns_queries', q, [
          ['qname', q.qname],
          ['client_address', q.clientAddress],
        ])
      ).map(dnsRecord),
    queryFlows: async (q) =>
      (
        await select('flows', q, [
          ['client_address', q.clientAddress],
          ['destination_name', q.destinationName],
        ])
      ).map(flowRecord),
    count: async () => {
      const { rows } = await pool.query<{ d: string; f: string }>(
        'SELECT (SELECT count(*) FROM dns_queries) AS d, (SELECT count(*) FROM flows) AS f',
      );
      return { dnsQueries: Number(rows[0]?.d), flows: Number(rows[0]?.f) };
    },
    close: () => pool.end(),
  };
}

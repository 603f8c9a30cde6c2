/**
 * Opening a PostgreSQL database for the store: a `pg` pool behind Kysely's PostgresDialect.
 *
 * `bigint` (int8) columns are parsed as JS numbers for this pool only (not through pg's global type
 * registry, which would change every other pool in the process): every bigint in the schema is epoch
 * milliseconds, a byte count or a row id, far below 2^53. The row mappers still apply `Number()`, so
 * a driver returning strings would work too.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database as Schema } from '../schema.js';

const INT8_OID = 20;

/** Type parsers for one pool: int8 as number, everything else as pg parses it. */
export const POOL_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (text: string) => Number(text);
    return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** Options for `createPool`. */
export interface PoolOptions {
  /** Connections at most (default 10). */
  readonly max?: number;
  /** Shown in `pg_stat_activity`. */
  readonly applicationName?: string;
}

/**
 * A pool for `url` (connections open lazily). An idle connection that the server drops (restart,
 * failover) emits `error` on the pool; without a listener that would kill the process, so it is
 * ignored here: the pool discards the connection and the next query opens a new one or fails visibly.
 */
export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'gatehouse',
    types: POOL_TYPES,
  });
  pool.on('error', () => {});
  return pool;
}

/** Wraps a pool in Kysely; `db.destroy()` ends the pool. */
export function connectPostgres(url: string, options: PoolOptions = {}): Kysely<Schema> {
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool: createPool(url, options) }) });
}

/** The URL with its password masked, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

/**
 * `openStore(url)`: the one entry point that turns a store URL into an open, migrated Store.
 *
 *   sqlite:PATH         a SQLite file (its directory is created), e.g. sqlite:data/gatehouse.db
 *   sqlite:///ABS/PATH  the same, URL style
 *   sqlite::memory:     a private in-memory store (tests, `gatehouse start --ephemeral`)
 *   postgres://USER:PASSWORD@HOST:PORT/DB   a PostgreSQL database shared by many nodes
 *                       (`postgresql://` too; libpq parameters such as `?sslmode=` pass through to `pg`)
 */
import { type Kysely, sql } from 'kysely';
import { GatehouseError } from '../core/errors.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import { connectPostgres, redactUrl } from './postgres/connect.js';
import { migrateLocked } from './postgres/lock.js';
import type { Database } from './schema.js';
import { createSqlStore } from './sql/store.js';
import { connectSqlite } from './sqlite/connect.js';
import type { Store, StoreDialect } from './types.js';

/** Options for `openStore`. */
export interface StoreOptions {
  /** The clock for timestamps the store sets itself (creation, attachment); defaults to `Date.now`. */
  readonly clock?: () => number;
}

/** Where a store lives: a SQLite path, or (for PostgreSQL) the connection URL itself. */
export interface StoreLocation {
  readonly dialect: StoreDialect;
  /** The SQLite file path (or `:memory:`), or the PostgreSQL connection URL. */
  readonly path: string;
}

/** Splits a store URL into its engine and location; throws GH_ERR_STORE_OPEN for anything else. */
export function parseStoreUrl(url: string): StoreLocation {
  if (/^postgres(ql)?:\/\/./i.test(url)) return { dialect: 'postgres', path: url };
  if (/^postgres(ql)?:/i.test(url)) {
    throw new GatehouseError(
      'GH_ERR_STORE_OPEN',
      `opening store "${url}": expected postgres://USER@HOST:PORT/DATABASE`,
    );
  }
  const match = /^sqlite:(.*)$/i.exec(url);
  let path = match?.[1] ?? '';
  if (path.startsWith('//')) path = path.slice(2);
  if (match === null || path === '') {
    throw new GatehouseError(
      'GH_ERR_STORE_OPEN',
      `opening store "${redactUrl(url)}": expected sqlite:PATH, sqlite::memory: or postgres://…`,
    );
  }
  return { dialect: 'sqlite', path };
}

/** Opens the store at `url`, migrates it to the latest schema, and returns it. */
export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const { dialect, path } = parseStoreUrl(url);
  const where = dialect === 'postgres' ? redactUrl(path) : path;
  let db: Kysely<Database>;
  try {
    db = dialect === 'postgres' ? await openPostgres(path) : connectSqlite(path);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new GatehouseError('GH_ERR_STORE_OPEN', `opening store "${where}": ${why}`, [], { cause: err });
  }
  const clock = options.clock ?? Date.now;
  try {
    if (dialect === 'postgres') await migrateLocked(db, MIGRATIONS, clock);
    else await migrate(db, MIGRATIONS, 'sqlite', clock);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return createSqlStore(db, { dialect, clock });
}

/** A pool for `url`, checked with one round trip so a wrong host or password fails here, as GH_ERR_STORE_OPEN. */
async function openPostgres(url: string): Promise<Kysely<Database>> {
  const db = connectPostgres(url);
  try {
    await sql`SELECT 1`.execute(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return db;
}

/**
 * `openStore(url)`: the one entry point that turns a store URL into an open, migrated Store.
 *
 *   sqlite:PATH         a SQLite file (its directory is created), e.g. sqlite:data/gatehouse.db
 *   sqlite:///ABS/PATH  the same, URL style
 *   sqlite::memory:     a private in-memory store (tests, `gatehouse start --ephemeral`)
 */
import type { Kysely } from 'kysely';
import { GatehouseError } from '../core/errors.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import type { Database } from './schema.js';
import { createSqlStore } from './sql/store.js';
import { connectSqlite } from './sqlite/connect.js';
import type { Store } from './types.js';

/** Options for `openStore`. */
export interface StoreOptions {
  /** The clock for timestamps the store sets itself (creation, attachment); defaults to `Date.now`. */
  readonly clock?: () => number;
}

/** Splits a store URL into its engine and SQLite path; throws GH_ERR_STORE_OPEN for anything else. */
export function parseStoreUrl(url: string): { readonly dialect: 'sqlite'; readonly path: string } {
  if (/^postgres(ql)?:/i.test(url)) {
    // TODO(store-postgres): a pg dialect behind the same contract suite (#postgres)
    throw new GatehouseError('GH_ERR_STORE_OPEN', `opening store "${url}": postgresql is not supported yet`);
  }
  const match = /^sqlite:(.*)$/i.exec(url);
  let path = match?.[1] ?? '';
  if (path.startsWith('//')) path = path.slice(2);
  if (match === null || path === '') {
    throw new GatehouseError(
      'GH_ERR_STORE_OPEN',
      `opening store "${url}": expected sqlite:PATH or sqlite::memory:`,
    );
  }
  return { dialect: 'sqlite', path };
}

/** Opens the store at `url`, migrates it to the latest schema, and returns it. */
export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const { path } = parseStoreUrl(url);
  let db: Kysely<Database>;
  try {
    db = connectSqlite(path);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new GatehouseError('GH_ERR_STORE_OPEN', `opening store "${path}": ${why}`, [], { cause: err });
  }
  const clock = options.clock ?? Date.now;
  try {
    await migrate(db, MIGRATIONS, 'sqlite', clock);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return createSqlStore(db, { dialect: 'sqlite', clock });
}

/** Opening a SQLite database file for the store: directory, WAL, busy timeout, foreign keys. */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database as Schema } from '../schema.js';

/** How long a writer waits for another connection's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) the SQLite database at `path` (`:memory:` for a private in-memory one)
 * and wraps it in Kysely. Throws the driver's error; `openStore` turns it into GH_ERR_STORE_OPEN.
 */
export function connectSqlite(path: string): Kysely<Schema> {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    // WAL: readers (compilation, the console) never block the writer, nor it them.
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // PostgreSQL always enforces foreign keys; make SQLite behave the same.
    db.pragma('foreign_keys = ON');
  } catch (err) {
    db.close();
    throw err;
  }
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: db }) });
}

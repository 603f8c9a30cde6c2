/**
 * The retention job's own connection to the records database. The sink writes it from a worker
 * thread in WAL mode; this connection only reads, rolls up and deletes in short transactions, and
 * waits (busy_timeout) rather than fails when the sink holds the write lock.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { GatehouseError } from '../core/errors.js';
import { aggregateDdl } from './aggregate-sql.js';
import { recordsDdl } from './sinks/sql.js';

/** An open records database connection (better-sqlite3). */
export type RecordsDb = Database.Database;

/** How long a statement waits for the sink's write lock before it fails (ms). */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens the records database (creating it and its tables when absent: a fresh data directory has
 * simply no records yet) with the aggregate tables; GH_ERR_RECORDS_SINK when it cannot.
 */
export function openRecordsDb(path: string): RecordsDb {
  let db: RecordsDb;
  try {
    if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    db = new Database(path);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new GatehouseError('GH_ERR_RECORDS_SINK', `opening records database "${path}": ${why}`, [], {
      cause: err,
    });
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    for (const sql of [...recordsDdl('sqlite'), ...aggregateDdl()]) db.exec(sql);
  } catch (err) {
    db.close();
    throw new GatehouseError('GH_ERR_RECORDS_SINK', `preparing records database "${path}"`, [], {
      cause: err,
    });
  }
  return db;
}

/**
 * Pseudonym epoch keys in the PostgreSQL records database (`records.store`), shared by every node
 * writing there: one key per epoch for all of them, so one subscriber has one pseudonym per epoch
 * whichever node saw it, a warrant run anywhere resolves every node's records, and destroying a
 * key destroys it for all.
 *
 * The table is this module's own (created IF NOT EXISTS under the records DDL advisory lock, like
 * the records tables): it lives where the records live, which need not be the control-plane store.
 *
 * What destruction does and does not guarantee on PostgreSQL (also in docs/records.md):
 * - `DELETE` commits, then no node and no query can read the key again: `get` answers null and
 *   that epoch's pseudonyms can no longer be computed (the warrant lists it as unlinkable).
 * - The row's bytes stay in the table file as a dead tuple until VACUUM prunes it; we run a plain
 *   `VACUUM` of this (tiny) table right after, but it cannot prune while an older snapshot is open
 *   elsewhere, and pruning frees the space without overwriting it: the bytes remain on disk until
 *   reused. (VACUUM FULL rewrites the table into a new file and unlinks the old one: no better.)
 * - The key was written to the WAL when it was made: it stays in WAL segments until they are
 *   recycled, and forever in WAL archives, base backups, dumps and replicas' copies of them.
 * So for real unlinkability the operator keeps backups and WAL archives no longer than the records'
 * retention (or encrypts them with keys that expire as fast), and puts the database on an encrypted
 * volume, as for the key files.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { EpochKeyStore } from './epoch-keys.js';
import { DDL_LOCK_KEY, redact } from './sinks/postgres.js';

/** The table, in the records database. */
export const EPOCH_KEY_TABLE = 'pseudonym_epoch_keys';

const DDL = `CREATE TABLE IF NOT EXISTS ${EPOCH_KEY_TABLE} (
  epoch BIGINT PRIMARY KEY,
  key BYTEA NOT NULL CHECK (octet_length(key) = 32),
  created_ms BIGINT NOT NULL
)`;

/** Options of `postgresEpochKeys`. */
export interface PostgresEpochKeysOptions {
  /** Clock for `created_ms` (tests inject it). */
  readonly now?: () => number;
  /** Connection timeout (default 5 s): a key load must fail in time for the next attempt. */
  readonly connectTimeoutMs?: number;
}

/**
 * The key store on PostgreSQL at `url`. Nothing connects until first use (a node starts while the
 * database is down); the table is created on first use and every use retries after a failure.
 */
export function postgresEpochKeys(url: string, o: PostgresEpochKeysOptions = {}): EpochKeyStore {
  const now = o.now ?? Date.now;
  const pool = new pg.Pool({
    connectionString: url,
    max: 2,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 5000,
    application_name: 'gatehouse-epoch-keys',
  });
  // An idle connection dropped by the server must not kill the process; the next query reconnects.
  pool.on('error', () => {});
  let ready: Promise<void> | null = null;
  const ensure = (): Promise<void> => {
    ready ??= (async () => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // Concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalogue: serialise.
        await client.query(`SELECT pg_advisory_xact_lock(${DDL_LOCK_KEY})`);
        await client.query(DDL);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    })().catch((err: unknown) => {
      ready = null;
      throw err;
    });
    return ready;
  };
  const query = async (text: string, values: unknown[] = []) => {
    await ensure();
    return pool.query(text, values);
  };
  const get = async (epoch: number): Promise<Buffer | null> => {
    const { rows } = await query(`SELECT key FROM ${EPOCH_KEY_TABLE} WHERE epoch = $1`, [epoch]);
    return (rows[0]?.key as Buffer | undefined) ?? null;
  };
  return {
    where: `${redact(url)} ${EPOCH_KEY_TABLE}`,
    get,
    async getOrCreate(epoch) {
      // Whoever inserts first wins; everyone (the winner included) then reads the one stored key.
      await query(
        `INSERT INTO ${EPOCH_KEY_TABLE} (epoch, key, created_ms) VALUES ($1, $2, $3) ON CONFLICT (epoch) DO NOTHING`,
        [epoch, randomBytes(32), now()],
      );
      const key = await get(epoch);
      // Only when destroyed between the two statements (retention of a current epoch: never).
      if (key === null) throw new Error(`epoch key ${epoch} vanished while it was being made`);
      return key;
    },
    async list() {
      const { rows } = await query(`SELECT epoch FROM ${EPOCH_KEY_TABLE} ORDER BY epoch`);
      return rows.map((r) => Number(r.epoch));
    },
    async destroy(epoch) {
      const { rowCount } = await query(`DELETE FROM ${EPOCH_KEY_TABLE} WHERE epoch = $1`, [epoch]);
      if ((rowCount ?? 0) === 0) return false;
      // Prunes the dead tuple now rather than at the next autovacuum (see the header for what it
      // does not do). Cheap: the table holds a row per epoch kept. Best effort.
      await pool.query(`VACUUM ${EPOCH_KEY_TABLE}`).catch(() => {});
      return true;
    },
    close: () => pool.end(),
  };
}

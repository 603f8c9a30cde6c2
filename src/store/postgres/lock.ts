/**
 * Migrating PostgreSQL under a session advisory lock, so that two nodes starting at once do not both
 * migrate: the second waits, then finds the store already at the latest version and does nothing.
 * The lock is held on one pinned connection for the whole run and released when it ends (or when
 * the connection dies, so a crashed node never leaves it behind).
 */
import { type Kysely, sql } from 'kysely';
import { migrate } from '../migrate.js';
import type { Migration } from '../migrations/types.js';
import type { Database } from '../schema.js';

/** The advisory lock key: "gatehouse migrate" (any constant that other applications do not use). */
export const MIGRATION_LOCK_KEY = 0x6761_7465_6d69_67n; // 'gatemig'

/** `migrate` on PostgreSQL, serialised across processes by `pg_advisory_lock`. */
export async function migrateLocked(
  db: Kysely<Database>,
  migrations: readonly Migration[],
  now: () => number = Date.now,
): Promise<number> {
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`.execute(conn);
    try {
      return await migrate(conn, migrations, 'postgres', now);
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY.toString()}::bigint)`.execute(conn);
    }
  });
}

/**
 * The few places where portable SQL is not enough: PostgreSQL runs writers concurrently under READ
 * COMMITTED, so a read that a write depends on must lock its row; SQLite has one writer at a time
 * (every write transaction takes the write lock first, see `ensureUser`) and no `FOR UPDATE`.
 */
import { type DialectAdapter, PostgresAdapter } from 'kysely';

/** True when `db` (or a transaction of it) runs on PostgreSQL, which has (and needs) row locks. */
export function hasRowLocks(db: { getExecutor(): { readonly adapter: DialectAdapter } }): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

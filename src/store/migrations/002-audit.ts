/**
 * Version 2: the append-only, hash-chained audit log (see `src/audit/`, `docs/audit.md`).
 *
 * `seq` is the primary key (in SQLite the rowid itself, so it can only hold integers): two writers
 * that read the same head cannot both insert the next entry. Triggers refuse UPDATE and DELETE so no
 * code path can rewrite history by mistake; someone with raw access to the database can drop them,
 * which is what the hash chain and the published head are for.
 */
import { type ColumnDefinitionBuilder, type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../types.js';
import type { Migration } from './types.js';

const required = (c: ColumnDefinitionBuilder) => c.notNull();

const SQLITE_GUARDS = ['UPDATE', 'DELETE'].map(
  (op) =>
    `CREATE TRIGGER audit_log_no_${op.toLowerCase()} BEFORE ${op} ON audit_log ` +
    `BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
);

const POSTGRES_GUARDS = [
  `CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`,
  `CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
   FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
  `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
   FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`,
];

async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  let table = db.schema
    .createTable('audit_log')
    .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigint', (c) => c.primaryKey())
    .addColumn('time', 'bigint', required);
  for (const col of ['actor', 'action', 'object', 'details', 'prev', 'hash']) {
    table = table.addColumn(col, 'text', required);
  }
  await table.execute();
  // `gatehouse audit log --object order/17` and the per-actor and per-action views.
  for (const col of ['object', 'actor', 'action']) {
    await db.schema.createIndex(`audit_log_${col}`).on('audit_log').columns([col, 'seq']).execute();
  }
  for (const ddl of dialect === 'sqlite' ? SQLITE_GUARDS : POSTGRES_GUARDS) await sql.raw(ddl).execute(db);
}

/** Migration 2. */
export const audit: Migration = { version: 2, name: 'audit', up };

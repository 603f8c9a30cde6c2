/**
 * Version 3: lawful access. `warrants` holds each request with its decision, execution, seal and
 * notification (one row: the states are few and every change is in the audit log anyway);
 * `warrant_results` holds what an execution found, one row per record, as the JSON it was read as.
 */
import type { ColumnDefinitionBuilder, CreateTableBuilder, Kysely } from 'kysely';
import type { StoreDialect } from '../types.js';
import type { Migration } from './types.js';

type Table = CreateTableBuilder<string, string>;

const required = (c: ColumnDefinitionBuilder) => c.notNull();
const user = (c: ColumnDefinitionBuilder) => c.references('users.name');

function identity(table: Table, dialect: StoreDialect): Table {
  return dialect === 'sqlite'
    ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity());
}

async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  let warrants = identity(db.schema.createTable('warrants'), dialect);
  for (const col of ['authority', 'reference', 'crime_category', 'target_kind', 'target', 'justification']) {
    warrants = warrants.addColumn(col, 'text', required);
  }
  await warrants
    .addColumn('window_from', 'bigint', required)
    .addColumn('window_to', 'bigint', required)
    .addColumn('urgency', 'text', required)
    .addColumn('status', 'text', required)
    .addColumn('requested_by', 'text', (c) => c.notNull().references('users.name'))
    .addColumn('requested_at', 'bigint', required)
    .addColumn('decision', 'text')
    .addColumn('decided_by', 'text', user)
    .addColumn('decided_at', 'bigint')
    .addColumn('decision_reason', 'text')
    .addColumn('executed_by', 'text', user)
    .addColumn('executed_at', 'bigint')
    .addColumn('review_due', 'bigint')
    .addColumn('result_count', 'integer')
    .addColumn('result_sha256', 'text')
    .addColumn('unlinkable_epochs', 'text', required)
    .addColumn('truncated', 'integer', required)
    .addColumn('sealed_at', 'bigint')
    .addColumn('seal_reason', 'text')
    .addColumn('notify_due', 'bigint')
    .addColumn('notified_at', 'bigint')
    .addColumn('notified_by', 'text', user)
    .addColumn('notify_note', 'text')
    .execute();
  await db.schema.createIndex('warrants_status').on('warrants').columns(['status', 'id']).execute();
  await db.schema
    .createIndex('warrants_notify')
    .on('warrants')
    .columns(['notified_at', 'notify_due'])
    .execute();
  await db.schema
    .createTable('warrant_results')
    .addColumn('warrant_id', 'integer', (c) => c.notNull().references('warrants.id'))
    .addColumn('position', 'integer', required)
    .addColumn('kind', 'text', required)
    .addColumn('at', 'bigint', required)
    .addColumn('data', 'text', required)
    .addPrimaryKeyConstraint('warrant_results_pk', ['warrant_id', 'position'])
    .execute();
}

/** Migration 3. */
export const access: Migration = { version: 3, name: 'access', up };

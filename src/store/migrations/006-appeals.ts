/**
 * Version 6: appeals against orders (see `src/store/appeals.ts`). `ref` is the unguessable tracking
 * reference the public holds; `contact` is personal data and is read only by operators.
 */
import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { StoreDialect } from '../types.js';
import type { Migration } from './types.js';

const required = (c: ColumnDefinitionBuilder) => c.notNull();

async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const table = db.schema.createTable('appeals');
  await (dialect === 'sqlite'
    ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
  )
    .addColumn('ref', 'text', (c) => c.notNull().unique())
    .addColumn('order_id', 'integer', (c) => c.notNull().references('orders.id'))
    .addColumn('appellant', 'text', required)
    .addColumn('contact', 'text')
    .addColumn('grounds', 'text', required)
    .addColumn('status', 'text', required)
    .addColumn('filed_at', 'bigint', required)
    .addColumn('decided_by', 'text', (c) => c.references('users.name'))
    .addColumn('decided_at', 'bigint')
    .addColumn('reason', 'text')
    .execute();
  // The operators' queue (`status = 'filed'`, newest first) and an order's appeals.
  await db.schema.createIndex('appeals_status').on('appeals').columns(['status', 'id']).execute();
  await db.schema.createIndex('appeals_order').on('appeals').columns(['order_id', 'id']).execute();
}

/** Migration 6. */
export const appeals: Migration = { version: 6, name: 'appeals', up };

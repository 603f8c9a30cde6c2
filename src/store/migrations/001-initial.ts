/** Version 1: users, orders (targets, attached lists, status history), lists and their versions. */
import type { ColumnDefinitionBuilder, CreateTableBuilder, Kysely } from 'kysely';
import type { StoreDialect } from '../types.js';
import type { Migration } from './types.js';

type Table = CreateTableBuilder<string, string>;

/** The one place the dialects differ: identity columns and binary columns. */
function identity(table: Table, dialect: StoreDialect): Table {
  return dialect === 'sqlite'
    ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity());
}

const required = (c: ColumnDefinitionBuilder) => c.notNull();
const user = (c: ColumnDefinitionBuilder) => c.notNull().references('users.name');

async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', required)
    .execute();
  let orders = identity(db.schema.createTable('orders'), dialect);
  for (const col of [
    'title',
    'authority_name',
    'authority_kind',
    'legal_instrument',
    'legal_article',
    'decision_ref',
  ]) {
    orders = orders.addColumn(col, 'text', required);
  }
  await orders
    .addColumn('scope', 'text', required)
    .addColumn('action', 'text', required)
    .addColumn('disclosure', 'text', required)
    .addColumn('not_before', 'bigint', required)
    .addColumn('expires_at', 'bigint', required)
    .addColumn('is_public', 'integer', required)
    .addColumn('status', 'text', required)
    .addColumn('created_by', 'text', user)
    .addColumn('created_at', 'bigint', required)
    .addColumn('approved_by', 'text', (c) => c.references('users.name'))
    .addColumn('approved_at', 'bigint')
    .execute();
  await db.schema.createIndex('orders_status').on('orders').columns(['status', 'expires_at']).execute();
  await db.schema
    .createTable('order_targets')
    .addColumn('order_id', 'integer', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('position', 'integer', required)
    .addColumn('line', 'text', required)
    .addPrimaryKeyConstraint('order_targets_pk', ['order_id', 'position'])
    .execute();
  await db.schema
    .createTable('order_status_history')
    .$call((t) => identity(t, dialect))
    .addColumn('order_id', 'integer', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', required)
    .addColumn('actor', 'text', user)
    .addColumn('at', 'bigint', required)
    .execute();
  await db.schema
    .createIndex('order_status_history_order')
    .on('order_status_history')
    .column('order_id')
    .execute();
  await createLists(db, dialect);
}

async function createLists(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  await identity(db.schema.createTable('lists'), dialect)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('format', 'text', required)
    .addColumn('created_by', 'text', user)
    .addColumn('created_at', 'bigint', required)
    .execute();
  await db.schema
    .createTable('list_versions')
    .addColumn('list_id', 'integer', (c) => c.notNull().references('lists.id'))
    .addColumn('version', 'integer', required)
    .addColumn('created_at', 'bigint', required)
    .addColumn('created_by', 'text', user)
    .addColumn('source_name', 'text')
    .addColumn('format', 'text', required)
    .addColumn('rule_count', 'integer', required)
    .addColumn('sha256', 'text', required)
    .addColumn('stats', 'text', required)
    .addColumn('body', dialect === 'sqlite' ? 'blob' : 'bytea', required)
    .addPrimaryKeyConstraint('list_versions_pk', ['list_id', 'version'])
    .execute();
  await db.schema
    .createTable('order_lists')
    .addColumn('order_id', 'integer', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('list_id', 'integer', (c) => c.notNull().references('lists.id'))
    .addColumn('version', 'integer')
    .addColumn('attached_by', 'text', user)
    .addColumn('attached_at', 'bigint', required)
    .addPrimaryKeyConstraint('order_lists_pk', ['order_id', 'list_id'])
    .execute();
}

/** Migration 1. */
export const initial: Migration = { version: 1, name: 'initial', up };

/**
 * Version 4: subscriber identity records (issue 5), the identity key's check value, and the
 * Disconnect-Requests sent for disconnect orders.
 *
 * Identity fields are stored sealed (AES-256-GCM text, `identity/subscribers/seal.ts`); the key is
 * never in the database. `subscriber_disconnects` is unique per order, ISP, NAS and session: the
 * claim is inserted before the request is sent, so no order sends twice for one session.
 */
import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { StoreDialect } from '../types.js';
import type { Migration } from './types.js';

const required = (c: ColumnDefinitionBuilder) => c.notNull();
const user = (c: ColumnDefinitionBuilder) => c.notNull().references('users.name');

async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  let subscribers = db.schema
    .createTable('subscribers')
    .addColumn('isp', 'text', required)
    .addColumn('id', 'text', required);
  for (const col of ['name', 'document_type', 'document_number', 'address', 'phone']) {
    subscribers = subscribers.addColumn(`${col}_sealed`, 'text', required);
  }
  await subscribers
    .addColumn('verified_at', 'bigint', required)
    .addColumn('verification_method', 'text', required)
    .addColumn('created_at', 'bigint', required)
    .addColumn('created_by', 'text', user)
    .addColumn('updated_at', 'bigint', required)
    .addColumn('updated_by', 'text', user)
    .addPrimaryKeyConstraint('subscribers_pk', ['isp', 'id'])
    .execute();
  // One row at most (`slot` is always 1).
  await db.schema
    .createTable('identity_key_check')
    .addColumn('slot', 'integer', (c) => c.primaryKey())
    .addColumn('value', 'text', required)
    .addColumn('created_at', 'bigint', required)
    .addColumn('created_by', 'text', user)
    .execute();
  const disconnects = db.schema.createTable('subscriber_disconnects');
  await (dialect === 'sqlite'
    ? disconnects.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    : disconnects.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
  )
    .addColumn('order_id', 'integer', (c) => c.notNull().references('orders.id'))
    .addColumn('isp', 'text', required)
    .addColumn('subscriber', 'text', required)
    .addColumn('nas', 'text', required)
    .addColumn('session_id', 'text', required)
    .addColumn('framed_ip', 'text')
    .addColumn('nas_address', 'text', required)
    .addColumn('status', 'text', required)
    .addColumn('error_cause', 'integer')
    .addColumn('attempts', 'integer', required)
    .addColumn('requested_at', 'bigint', required)
    .addColumn('answered_at', 'bigint')
    .addUniqueConstraint('subscriber_disconnects_once', ['order_id', 'isp', 'nas', 'session_id'])
    .execute();
  await db.schema
    .createIndex('subscriber_disconnects_isp')
    .on('subscriber_disconnects')
    .columns(['isp', 'id'])
    .execute();
}

/** Migration 4. */
export const subscribers: Migration = { version: 4, name: 'subscribers', up };

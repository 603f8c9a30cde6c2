/**
 * The tables as Kysely sees them. Portable types only: integers (bigint milliseconds for times),
 * text (JSON as text), and one binary column (BLOB in SQLite, bytea in PostgreSQL).
 * PostgreSQL returns bigint as a string unless told otherwise: the row mappers apply `Number()`.
 */
import type { Generated } from 'kysely';

/** Applied migrations, one row each. */
export interface SchemaVersionTable {
  version: number;
  name: string;
  applied_at: number;
}

/** People (and `system`) who act. */
export interface UsersTable {
  name: string;
  created_at: number;
}

/** Orders; nested values (scope, action, disclosure) are JSON text. */
export interface OrdersTable {
  id: Generated<number>;
  title: string;
  authority_name: string;
  authority_kind: string;
  legal_instrument: string;
  legal_article: string;
  decision_ref: string;
  scope: string;
  action: string;
  disclosure: string;
  not_before: number;
  expires_at: number;
  /** 0 or 1 (no boolean type in SQLite). */
  is_public: number;
  status: string;
  created_by: string;
  created_at: number;
  approved_by: string | null;
  approved_at: number | null;
}

/** An order's own targets in canonical syntax. */
export interface OrderTargetsTable {
  order_id: number;
  position: number;
  line: string;
}

/** Lists attached to orders; `version` null follows the latest. */
export interface OrderListsTable {
  order_id: number;
  list_id: number;
  version: number | null;
  attached_by: string;
  attached_at: number;
}

/** Every transition, so who and when is kept. */
export interface OrderStatusHistoryTable {
  id: Generated<number>;
  order_id: number;
  from_status: string | null;
  to_status: string;
  actor: string;
  at: number;
}

/** Named lists. */
export interface ListsTable {
  id: Generated<number>;
  name: string;
  format: string;
  created_by: string;
  created_at: number;
}

/** Immutable list versions; `body` is the gzip of the canonical lines joined by `\n`. */
export interface ListVersionsTable {
  list_id: number;
  version: number;
  created_at: number;
  created_by: string;
  source_name: string | null;
  format: string;
  rule_count: number;
  sha256: string;
  stats: string;
  body: Uint8Array;
}

/** The whole schema. */
export interface Database {
  schema_version: SchemaVersionTable;
  users: UsersTable;
  orders: OrdersTable;
  order_targets: OrderTargetsTable;
  order_lists: OrderListsTable;
  order_status_history: OrderStatusHistoryTable;
  lists: ListsTable;
  list_versions: ListVersionsTable;
}

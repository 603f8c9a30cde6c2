/** A Store over any Kysely database with the Gatehouse schema: the same code runs on SQLite and PostgreSQL. */
import type { Kysely } from 'kysely';
import { auditRepositories } from '../../audit/acts.js';
import { currentVersion } from '../migrate.js';
import type { Database } from '../schema.js';
import type { Store, StoreDialect } from '../types.js';
import { SqlAccounts } from './accounts.js';
import { SqlAppeals } from './appeals.js';
import { createUnitRunner, SqlAudit } from './audit.js';
import { SqlLists } from './lists.js';
import { SqlOrders } from './orders.js';
import { SqlSubscribers } from './subscribers.js';
import { SqlUsers } from './users.js';
import { SqlWarrants } from './warrants.js';

/** Builds the repositories over a migrated database; `close()` destroys the Kysely instance. */
export function createSqlStore(
  db: Kysely<Database>,
  options: { readonly dialect: StoreDialect; readonly clock: () => number },
): Store {
  const { dialect, clock } = options;
  const base = {
    orders: new SqlOrders(db, clock),
    lists: new SqlLists(db, clock),
    users: new SqlUsers(db, clock),
  };
  // Every state change runs with its audit entry in one transaction (see audit/acts.ts).
  const audit = new SqlAudit(db, clock);
  return {
    dialect,
    ...auditRepositories(base, createUnitRunner(db, audit, clock)),
    audit,
    accounts: new SqlAccounts(db, audit, clock),
    appeals: new SqlAppeals(db, audit, clock),
    subscribers: new SqlSubscribers(db, audit, clock),
    warrants: new SqlWarrants(db, audit, clock),
    schemaVersion: () => currentVersion(db),
    close: () => db.destroy(),
  };
}

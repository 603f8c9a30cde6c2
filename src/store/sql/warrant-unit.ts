/**
 * One audited warrant act: a transaction in which the acting user is ensured (its `user.create`
 * entry goes just before the act's own), the act runs, and its entries are appended last — the same
 * shape as the store's other units (`sql/audit.ts`), so act and entries commit or roll back together
 * and the unit is rerun whole when another writer took the next audit seq.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AuditInput } from '../../audit/types.js';
import { GatehouseError } from '../../core/errors.js';
import { normaliseUserName } from '../../policy/lifecycle.js';
import type { Database } from '../schema.js';
import { retryConflicts, type SqlAudit } from './audit.js';
import type { WarrantDb } from './warrant-rows.js';

/** The transaction an act runs in. */
export type WarrantTrx = Transaction<WarrantDb>;

/**
 * What an act did: its result, or an error to raise once the transaction has COMMITTED (a seal
 * made while refusing a read must stay), and the entries to append.
 */
export interface Acted<T> {
  readonly value: T | GatehouseError;
  readonly entries: readonly AuditInput[];
}

/** PostgreSQL: serialization failure, deadlock detected — the transaction is void; run it again. */
const PG_RETRY = ['40001', '40P01'];

/** Runs `work` by `actor` at `at` as one audited transaction on `db`. */
export async function runWarrantAct<T>(
  db: Kysely<WarrantDb>,
  audit: SqlAudit,
  actor: string,
  at: number,
  work: (t: WarrantTrx, by: string) => Promise<Acted<T>>,
): Promise<T> {
  const by = normaliseUserName(actor);
  const value = await retryConflicts(() =>
    db.transaction().execute(async (t) => {
      try {
        // First write of the unit: on SQLite it takes the write lock before anything is read.
        const added = await t
          .insertInto('users')
          .values({ name: by, created_at: at })
          .onConflict((oc) => oc.column('name').doNothing())
          .executeTakeFirst();
        const acted = await work(t, by);
        const trx = t as unknown as Kysely<Database>;
        if (Number(added.numInsertedOrUpdatedRows ?? 0) > 0) {
          await audit.append({ actor: by, action: 'user.create', object: `user/${by}` }, trx);
        }
        for (const e of acted.entries) await audit.append(e, trx);
        return acted.value;
      } catch (err) {
        if (!PG_RETRY.includes(String((err as { code?: unknown } | null)?.code))) throw err;
        throw new GatehouseError('GH_ERR_AUDIT_CONFLICT', 'running a warrant act: lost a race', [], {
          cause: err,
        });
      }
    }),
  );
  if (value instanceof GatehouseError) throw value;
  return value;
}

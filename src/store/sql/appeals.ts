/**
 * Appeals over Kysely (portable SQL, the same code on SQLite and PostgreSQL). Each act and its audit
 * entry commit in one transaction, as every other act does (audit/acts.ts); the contact never goes
 * into the entry's details.
 *
 *   act              action          actor       object       details
 *   appeals.file     appeal.file     public      appeal/ID    order, appellant, contact: bool
 *   appeals.decide   appeal.decide   the actor   appeal/ID    order, outcome, reason
 */
import { randomBytes } from 'node:crypto';
import type { Generated, Kysely, Transaction } from 'kysely';
import { GatehouseError } from '../../core/errors.js';
import { normaliseUserName } from '../../policy/lifecycle.js';
import {
  type Appeal,
  type AppealDecision,
  type AppealFilter,
  type AppealInput,
  type AppealRepository,
  PUBLIC_ACTOR,
  validateAppealDecision,
  validateAppealInput,
} from '../appeals.js';
import type { Database } from '../schema.js';
import { retryConflicts, type SqlAudit } from './audit.js';
import { isUniqueViolation } from './lists.js';

/** The `appeals` table (migration 6), declared here so appeals stay one self-contained addition. */
export interface AppealsTable {
  id: Generated<number>;
  ref: string;
  order_id: number;
  appellant: string;
  contact: string | null;
  grounds: string;
  status: string;
  filed_at: number;
  decided_by: string | null;
  decided_at: number | null;
  reason: string | null;
}

type AppealDb = Database & { appeals: AppealsTable };
type AppealRow = Omit<AppealsTable, 'id'> & { id: number };

/** The audit log appends within the same transaction; it only knows the shared tables. */
const shared = (trx: Transaction<AppealDb>) => trx as unknown as Kysely<Database>;

const MAX_LIST = 1000;
// RFC 4648 base32 alphabet, lowercase: no 0/1/8/9 to mistake for letters when read aloud.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** A tracking reference: 120 random bits as 24 base32 letters in groups of four. */
const REF = /^(?:[a-z2-7]{4}-){5}[a-z2-7]{4}$/;

/** A fresh, unguessable tracking reference (120 bits from the CSPRNG). */
export function newAppealRef(): string {
  const bytes = randomBytes(15);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join('-');
}

/** True when `ref` has the shape of a tracking reference (checked before any query). */
export function isAppealRef(ref: string): boolean {
  return REF.test(ref);
}

const toAppeal = (row: AppealRow): Appeal => ({
  id: Number(row.id),
  ref: row.ref,
  orderId: Number(row.order_id),
  appellant: row.appellant as Appeal['appellant'],
  contact: row.contact,
  grounds: row.grounds,
  status: row.status as Appeal['status'],
  filedAt: Number(row.filed_at),
  decidedBy: row.decided_by,
  decidedAt: row.decided_at === null ? null : Number(row.decided_at),
  reason: row.reason,
});

/** The appeal repository. */
export class SqlAppeals implements AppealRepository {
  readonly #db: Kysely<AppealDb>;
  readonly #audit: SqlAudit;
  readonly #clock: () => number;

  constructor(db: Kysely<Database>, audit: SqlAudit, clock: () => number) {
    this.#db = db.withTables<{ appeals: AppealsTable }>();
    this.#audit = audit;
    this.#clock = clock;
  }

  /** One transaction, retried whole when the audit chain moved under it (see sql/audit.ts). */
  #unit<T>(work: (trx: Transaction<AppealDb>) => Promise<T>): Promise<T> {
    return retryConflicts(() => this.#db.transaction().execute(work));
  }

  async file(input: AppealInput): Promise<Appeal> {
    const valid = validateAppealInput(input);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#unit(async (trx) => {
          const order = await trx
            .selectFrom('orders')
            .select('id')
            .where('id', '=', valid.orderId)
            .executeTakeFirst();
          if (order === undefined) {
            throw new GatehouseError('GH_ERR_ORDER_NOT_FOUND', `filing an appeal: no order ${valid.orderId}`);
          }
          const row = {
            ref: newAppealRef(),
            order_id: valid.orderId,
            appellant: valid.appellant,
            contact: valid.contact,
            grounds: valid.grounds,
            status: 'filed',
            filed_at: this.#clock(),
            decided_by: null,
            decided_at: null,
            reason: null,
          };
          const { id } = await trx
            .insertInto('appeals')
            .values(row)
            .returning('id')
            .executeTakeFirstOrThrow();
          const details = {
            order: valid.orderId,
            appellant: valid.appellant,
            contact: valid.contact !== null,
          };
          await this.#audit.append(
            { actor: PUBLIC_ACTOR, action: 'appeal.file', object: `appeal/${Number(id)}`, details },
            shared(trx),
          );
          return toAppeal({ ...row, id: Number(id) });
        });
      } catch (err) {
        // 120 random bits do not collide in practice; if they ever do, draw again rather than fail.
        if (!isUniqueViolation(err) || attempt >= 3) throw err;
      }
    }
  }

  async get(ref: string): Promise<Appeal | undefined> {
    if (typeof ref !== 'string' || !isAppealRef(ref)) return undefined;
    const row = await this.#db.selectFrom('appeals').selectAll().where('ref', '=', ref).executeTakeFirst();
    return row && toAppeal(row);
  }

  async list(filter: AppealFilter = {}): Promise<Appeal[]> {
    const limit = filter.limit ?? MAX_LIST;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST) {
      throw new GatehouseError('GH_ERR_APPEAL_INVALID', `listing appeals: limit must be 1 to ${MAX_LIST}`);
    }
    let q = this.#db.selectFrom('appeals').selectAll().orderBy('id', 'desc').limit(limit);
    if (filter.status !== undefined) q = q.where('status', '=', filter.status);
    if (filter.orderId !== undefined) q = q.where('order_id', '=', filter.orderId);
    return (await q.execute()).map(toAppeal);
  }

  async decide(ref: string, decision: AppealDecision, actor: string): Promise<Appeal> {
    const { outcome, reason } = validateAppealDecision(decision);
    const by = normaliseUserName(actor);
    return this.#unit(async (trx) => {
      const at = this.#clock();
      // First write of the transaction: on SQLite it takes the write lock before anything is read.
      const created = await trx
        .insertInto('users')
        .values({ name: by, created_at: at })
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      // Compare-and-set on the status: of two deciders, only one wins.
      const updated = await trx
        .updateTable('appeals')
        .set({ status: outcome, decided_by: by, decided_at: at, reason })
        .where('ref', '=', ref)
        .where('status', '=', 'filed')
        .executeTakeFirst();
      const row = await trx.selectFrom('appeals').selectAll().where('ref', '=', ref).executeTakeFirst();
      if (row === undefined) {
        throw new GatehouseError(
          'GH_ERR_APPEAL_NOT_FOUND',
          'deciding an appeal: no appeal has that reference',
        );
      }
      if (Number(updated.numUpdatedRows) === 0) {
        throw new GatehouseError(
          'GH_ERR_APPEAL_STATE',
          `deciding appeal ${row.id}: it was ${row.status} already`,
        );
      }
      if (Number(created.numInsertedOrUpdatedRows ?? 0) > 0) {
        await this.#audit.append({ actor: by, action: 'user.create', object: `user/${by}` }, shared(trx));
      }
      const details = { order: Number(row.order_id), outcome, reason };
      await this.#audit.append(
        { actor: by, action: 'appeal.decide', object: `appeal/${row.id}`, details },
        shared(trx),
      );
      return toAppeal(row);
    });
  }
}

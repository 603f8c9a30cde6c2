/**
 * Subscriber identity records and disconnect requests over Kysely (portable SQL, SQLite and
 * PostgreSQL). Each change runs with its audit entries in one transaction of its own, entries
 * written last (as `createUnitRunner` does for the other repositories: on PostgreSQL every writer
 * takes its row locks before the audit seq), retried whole when the audit chain moved under it.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AuditInput } from '../../audit/types.js';
import { GatehouseError } from '../../core/errors.js';
import type {
  DisconnectClaim,
  DisconnectRecord,
  DisconnectStatus,
  SealedSubscriber,
  SealedSubscriberInput,
  SubscriberFilter,
  SubscriberRepository,
  UpsertResult,
} from '../../identity/subscribers/repository.js';
import { normaliseUserName } from '../../policy/lifecycle.js';
import type { Database } from '../schema.js';
import { retryConflicts, type SqlAudit } from './audit.js';
import { chunks } from './order-rows.js';
import {
  assertInScope,
  type DisconnectRow,
  type SubscriberTables,
  toDisconnect,
  toSubscriber,
  toSubscriberRow,
  UPDATED,
} from './subscriber-rows.js';

type Db = Kysely<Database & SubscriberTables>;

const PG_RETRY = ['40001', '40P01'];
const MAX_LIMIT = 1000;

/** The subscriber repository. */
export class SqlSubscribers implements SubscriberRepository {
  readonly #db: Db;
  readonly #audit: SqlAudit;
  readonly #clock: () => number;

  constructor(db: Kysely<Database>, audit: SqlAudit, clock: () => number) {
    this.#db = db.withTables<SubscriberTables>();
    this.#audit = audit;
    this.#clock = clock;
  }

  /** One audited act: `work` writes and returns its entries; a new actor's `user.create` goes first. */
  #act<T>(
    actor: string,
    work: (
      trx: Transaction<Database & SubscriberTables>,
      by: string,
      at: number,
    ) => Promise<[T, AuditInput[]]>,
  ): Promise<T> {
    const by = normaliseUserName(actor);
    return retryConflicts(() =>
      this.#db
        .transaction()
        .execute(async (trx) => {
          const at = this.#clock();
          // The user row first: on SQLite it takes the write lock before anything is read.
          const added = await trx
            .insertInto('users')
            .values({ name: by, created_at: at })
            .onConflict((oc) => oc.column('name').doNothing())
            .executeTakeFirst();
          const [result, entries] = await work(trx, by, at);
          if (Number(added.numInsertedOrUpdatedRows ?? 0) > 0) {
            entries.unshift({ actor: by, action: 'user.create', object: `user/${by}` });
          }
          const plain = trx as unknown as Kysely<Database>;
          for (const e of entries) await this.#audit.append(e, plain);
          return result;
        })
        .catch((err: unknown) => {
          const code = String((err as { code?: unknown } | null)?.code);
          if (!PG_RETRY.includes(code)) throw err;
          const message = 'subscriber act: lost a race with another writer';
          throw new GatehouseError('GH_ERR_AUDIT_CONFLICT', message, [], { cause: err });
        }),
    );
  }

  async upsertMany(
    scope: string | null,
    isp: string,
    rows: readonly SealedSubscriberInput[],
    actor: string,
  ): Promise<UpsertResult> {
    assertInScope(scope, isp, 'importing subscribers');
    return this.#act(actor, async (trx, by, at) => {
      const entries: AuditInput[] = [];
      let created = 0;
      for (const part of chunks(rows, 400)) {
        const ids = part.map((r) => r.id);
        const existing = new Set(
          (
            await trx
              .selectFrom('subscribers')
              .select('id')
              .where('isp', '=', isp)
              .where('id', 'in', ids)
              .execute()
          ).map((r) => r.id),
        );
        await trx
          .insertInto('subscribers')
          .values(part.map((r) => toSubscriberRow(isp, r, by, at)))
          .onConflict((oc) =>
            oc
              .columns(['isp', 'id'])
              .doUpdateSet((eb) => Object.fromEntries(UPDATED.map((c) => [c, eb.ref(`excluded.${c}`)]))),
          )
          .execute();
        for (const id of ids) {
          const action = existing.has(id) ? 'subscriber.update' : 'subscriber.create';
          if (!existing.has(id)) created++;
          // Ids only: identity fields never enter the audit log.
          entries.push({ actor: by, action, object: `subscriber/${isp}/${id}`, details: {} });
        }
      }
      const result = { created, updated: rows.length - created };
      entries.push({
        actor: by,
        action: 'subscriber.import',
        object: `isp/${isp}`,
        details: { rows: rows.length, ...result },
      });
      return [result, entries];
    });
  }

  async get(scope: string | null, isp: string, id: string): Promise<SealedSubscriber | undefined> {
    if (scope !== null && scope !== isp) return undefined;
    const row = await this.#db
      .selectFrom('subscribers')
      .selectAll()
      .where('isp', '=', isp)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toSubscriber(row);
  }

  async list(scope: string | null, filter: SubscriberFilter = {}): Promise<SealedSubscriber[]> {
    if (filter.isp !== undefined) assertInScope(scope, filter.isp, 'listing subscribers');
    const limit = Math.min(MAX_LIMIT, Math.max(1, Math.trunc(filter.limit ?? 100)));
    let q = this.#db.selectFrom('subscribers').selectAll().orderBy('isp').orderBy('id').limit(limit);
    const isp = filter.isp ?? scope;
    if (isp !== null) q = q.where('isp', '=', isp);
    const prefix = filter.q;
    if (prefix) {
      // A prefix of the id (substr is portable; LIKE escaping is not): identity fields are sealed
      // and cannot be searched in the database.
      q = q.where((eb) => eb(eb.fn<string>('substr', ['id', eb.lit(1), eb.lit(prefix.length)]), '=', prefix));
    }
    const after = filter.after;
    if (after)
      q = q.where((eb) =>
        eb.or([eb('isp', '>', after.isp), eb.and([eb('isp', '=', after.isp), eb('id', '>', after.id)])]),
      );
    return (await q.execute()).map(toSubscriber);
  }

  async count(scope: string | null, isp?: string): Promise<number> {
    if (isp !== undefined) assertInScope(scope, isp, 'counting subscribers');
    let q = this.#db.selectFrom('subscribers').select((eb) => eb.fn.countAll<number | string>().as('n'));
    const which = isp ?? scope;
    if (which !== null) q = q.where('isp', '=', which);
    return Number((await q.executeTakeFirst())?.n ?? 0);
  }

  async keyCheck(): Promise<string | null> {
    const row = await this.#db
      .selectFrom('identity_key_check')
      .select('value')
      .where('slot', '=', 1)
      .executeTakeFirst();
    return row?.value ?? null;
  }

  setKeyCheck(value: string, actor: string): Promise<string> {
    return this.#act(actor, async (trx, by, at) => {
      const added = await trx
        .insertInto('identity_key_check')
        .values({ slot: 1, value, created_at: at, created_by: by })
        .onConflict((oc) => oc.column('slot').doNothing())
        .executeTakeFirst();
      const row = await trx
        .selectFrom('identity_key_check')
        .select('value')
        .where('slot', '=', 1)
        .executeTakeFirstOrThrow();
      const entries: AuditInput[] =
        Number(added.numInsertedOrUpdatedRows ?? 0) > 0
          ? [{ actor: by, action: 'identity.key-check', object: 'identity/key', details: {} }]
          : [];
      return [row.value, entries];
    });
  }

  claimDisconnect(claim: DisconnectClaim, actor: string): Promise<DisconnectRecord | null> {
    return this.#act(actor, async (trx, by, at) => {
      const row = await trx
        .insertInto('subscriber_disconnects')
        .values({
          order_id: claim.orderId,
          isp: claim.isp,
          subscriber: claim.subscriber,
          nas: claim.nas,
          session_id: claim.sessionId,
          framed_ip: claim.framedIp,
          nas_address: claim.nasAddress,
          status: 'sending',
          error_cause: null,
          attempts: 0,
          requested_at: at,
          answered_at: null,
        })
        .onConflict((oc) => oc.columns(['order_id', 'isp', 'nas', 'session_id']).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (row === undefined) return [null, []];
      const record = toDisconnect(row as DisconnectRow);
      const details = {
        order: claim.orderId,
        isp: claim.isp,
        subscriber: claim.subscriber,
        session: claim.sessionId,
      };
      return [
        record,
        [{ actor: by, action: 'disconnect.request', object: `disconnect/${record.id}`, details }],
      ];
    });
  }

  settleDisconnect(
    id: number,
    outcome: { status: Exclude<DisconnectStatus, 'sending'>; errorCause?: number; attempts: number },
    actor: string,
  ): Promise<DisconnectRecord> {
    return this.#act(actor, async (trx, by, at) => {
      const row = await trx
        .updateTable('subscriber_disconnects')
        .set({
          status: outcome.status,
          error_cause: outcome.errorCause ?? null,
          attempts: outcome.attempts,
          answered_at: at,
        })
        .where('id', '=', id)
        .where('status', '=', 'sending')
        .returningAll()
        .executeTakeFirst();
      if (row === undefined)
        throw new GatehouseError(
          'GH_ERR_SUBSCRIBER_NOT_FOUND',
          `settling disconnect ${id}: no request awaiting an answer`,
        );
      const record = toDisconnect(row as DisconnectRow);
      const details = { order: record.orderId, errorCause: record.errorCause, attempts: record.attempts };
      return [
        record,
        [{ actor: by, action: `disconnect.${outcome.status}`, object: `disconnect/${id}`, details }],
      ];
    });
  }

  async disconnects(
    scope: string | null,
    filter: { orderId?: number; limit?: number } = {},
  ): Promise<DisconnectRecord[]> {
    const limit = Math.min(MAX_LIMIT, Math.max(1, Math.trunc(filter.limit ?? 100)));
    let q = this.#db.selectFrom('subscriber_disconnects').selectAll().orderBy('id', 'desc').limit(limit);
    if (scope !== null) q = q.where('isp', '=', scope);
    if (filter.orderId !== undefined) q = q.where('order_id', '=', filter.orderId);
    return (await q.execute()).map((r) => toDisconnect(r as DisconnectRow));
  }
}

/** Orders over Kysely (portable SQL): creation, compare-and-set transitions, history, attached lists. */
import type { Kysely } from 'kysely';
import { GatehouseError } from '../../core/errors.js';
import type { OrderChange, OrderInput } from '../../policy/lifecycle.js';
import type { Order, OrderStatus, OrderWithRules } from '../../policy/model.js';
import type { Database } from '../schema.js';
import type { AttachedList, OrderFilter, OrderRepository, StatusChange } from '../types.js';
import { listActiveWithRules } from './active.js';
import { hasRowLocks } from './dialect.js';
import { chunks, toOrder, toOrderRow } from './order-rows.js';
import { ensureUser } from './users.js';

const notFound = (id: number) => new GatehouseError('GH_ERR_ORDER_NOT_FOUND', `order ${id} not found`);

const toAttached = (row: Database['order_lists']): AttachedList => ({
  orderId: Number(row.order_id),
  listId: Number(row.list_id),
  version: row.version === null ? null : Number(row.version),
  attachedBy: row.attached_by,
  attachedAt: Number(row.attached_at),
});

/** The order repository. */
export class SqlOrders implements OrderRepository {
  readonly #db: Kysely<Database>;
  readonly #clock: () => number;

  constructor(db: Kysely<Database>, clock: () => number) {
    this.#db = db;
    this.#clock = clock;
  }

  async create(input: OrderInput, actor: string): Promise<Order> {
    return this.#db.transaction().execute(async (trx) => {
      const now = this.#clock();
      const createdBy = await ensureUser(trx, actor, now);
      const row = await trx
        .insertInto('orders')
        .values(toOrderRow(input, createdBy, now))
        .returningAll()
        .executeTakeFirstOrThrow();
      const lines = input.targets.map((line, position) => ({ order_id: row.id, position, line }));
      for (const part of chunks(lines)) await trx.insertInto('order_targets').values(part).execute();
      await trx
        .insertInto('order_status_history')
        .values({ order_id: row.id, from_status: null, to_status: 'draft', actor: createdBy, at: now })
        .execute();
      return toOrder(row);
    });
  }

  async get(id: number): Promise<Order | undefined> {
    const row = await this.#db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toOrder(row);
  }

  async require(id: number): Promise<Order> {
    const order = await this.get(id);
    if (order === undefined) throw notFound(id);
    return order;
  }

  async list(filter: OrderFilter = {}): Promise<Order[]> {
    let query = this.#db.selectFrom('orders').selectAll().orderBy('id');
    if (filter.status !== undefined) {
      const statuses: readonly OrderStatus[] =
        typeof filter.status === 'string' ? [filter.status] : filter.status;
      if (statuses.length === 0) return [];
      query = query.where('status', 'in', statuses);
    }
    if (filter.includeExpired !== true) {
      query = query.where('status', '!=', 'expired').where('expires_at', '>', this.#clock());
    }
    return (await query.execute()).map(toOrder);
  }

  async targets(id: number): Promise<string[]> {
    await this.require(id);
    const rows = await this.#db
      .selectFrom('order_targets')
      .select('line')
      .where('order_id', '=', id)
      .orderBy('position')
      .execute();
    return rows.map((r) => r.line);
  }

  async apply(change: OrderChange): Promise<Order> {
    return this.#db.transaction().execute(async (trx) => {
      const actor = await ensureUser(trx, change.actor, change.at);
      let update = trx
        .updateTable('orders')
        .set({ status: change.to })
        .where('id', '=', change.orderId)
        .where('status', '=', change.from);
      if (change.approvedBy !== undefined) {
        update = update.set({ approved_by: actor, approved_at: change.approvedAt ?? change.at });
      }
      // Defence in depth: the two-person rule holds in the statement itself, whoever built the change.
      if (change.to === 'active') update = update.where('created_by', '!=', actor);
      const result = await update.executeTakeFirst();
      const row = await trx
        .selectFrom('orders')
        .selectAll()
        .where('id', '=', change.orderId)
        .executeTakeFirst();
      if (row === undefined) throw notFound(change.orderId);
      if (Number(result.numUpdatedRows) !== 1) {
        if (row.status === change.from && change.to === 'active') {
          throw new GatehouseError(
            'GH_ERR_ORDER_SELF_APPROVAL',
            `order ${row.id} was created by "${row.created_by}"; a second, different user must ${change.transition} it`,
          );
        }
        throw new GatehouseError(
          'GH_ERR_ORDER_STATE',
          `order ${row.id} is ${row.status}; cannot ${change.transition}`,
        );
      }
      await trx
        .insertInto('order_status_history')
        .values({
          order_id: change.orderId,
          from_status: change.from,
          to_status: change.to,
          actor,
          at: change.at,
        })
        .execute();
      return toOrder(row);
    });
  }

  async history(id: number): Promise<StatusChange[]> {
    await this.require(id);
    const rows = await this.#db
      .selectFrom('order_status_history')
      .selectAll()
      .where('order_id', '=', id)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      orderId: Number(r.order_id),
      from: r.from_status as OrderStatus | null,
      to: r.to_status as OrderStatus,
      actor: r.actor,
      at: Number(r.at),
    }));
  }

  async attachList(
    orderId: number,
    listId: number,
    actor: string,
    version: number | null = null,
  ): Promise<AttachedList> {
    return this.#db.transaction().execute(async (trx) => {
      const now = this.#clock();
      const attachedBy = await ensureUser(trx, actor, now);
      // PostgreSQL: the share lock holds off a concurrent submit until this attachment commits (or,
      // if the submit came first, makes this read see it), so nothing is attached after submission.
      const order = await trx
        .selectFrom('orders')
        .select('status')
        .where('id', '=', orderId)
        .$if(hasRowLocks(trx), (q) => q.forShare())
        .executeTakeFirst();
      if (order === undefined) throw notFound(orderId);
      // What an order does is fixed once it goes for approval: the approver approves what they saw.
      if (order.status !== 'draft') {
        throw new GatehouseError(
          'GH_ERR_ORDER_STATE',
          `order ${orderId} is ${order.status}; cannot attach a list`,
        );
      }
      let exists = trx.selectFrom('list_versions').select('list_id').where('list_id', '=', listId);
      if (version !== null) exists = exists.where('version', '=', version);
      const list = await trx.selectFrom('lists').select('id').where('id', '=', listId).executeTakeFirst();
      if (list === undefined || (version !== null && (await exists.executeTakeFirst()) === undefined)) {
        const what = list === undefined ? 'not found' : `has no version ${version}`;
        throw new GatehouseError(
          'GH_ERR_LIST_NOT_FOUND',
          `attaching list ${listId} to order ${orderId}: list ${what}`,
        );
      }
      const row = { order_id: orderId, list_id: listId, version, attached_by: attachedBy, attached_at: now };
      await trx
        .insertInto('order_lists')
        .values(row)
        .onConflict((oc) =>
          oc
            .columns(['order_id', 'list_id'])
            .doUpdateSet({ version, attached_by: attachedBy, attached_at: now }),
        )
        .execute();
      return toAttached(row);
    });
  }

  async lists(orderId: number): Promise<AttachedList[]> {
    await this.require(orderId);
    const rows = await this.#db
      .selectFrom('order_lists')
      .selectAll()
      .where('order_id', '=', orderId)
      .orderBy('list_id')
      .execute();
    return rows.map(toAttached);
  }

  listActiveWithRules(now: number): Promise<OrderWithRules[]> {
    return listActiveWithRules(this.#db, now);
  }

  async changeStamp(): Promise<string> {
    // History rows are appended on every transition; list versions and attachments on every import.
    // The history count matters on PostgreSQL: ids are taken at insert, not commit, so a transition
    // that commits after a later one leaves max(id) unchanged but still adds one to the count.
    const row = await this.#db
      .selectNoFrom((eb) => [
        eb
          .selectFrom('order_status_history')
          .select((e) => e.fn.max('id').as('m'))
          .as('history'),
        eb
          .selectFrom('order_status_history')
          .select((e) => e.fn.countAll().as('n'))
          .as('transitions'),
        eb
          .selectFrom('list_versions')
          .select((e) => e.fn.countAll().as('n'))
          .as('versions'),
        eb
          .selectFrom('order_lists')
          .select((e) => e.fn.countAll().as('n'))
          .as('links'),
      ])
      .executeTakeFirstOrThrow();
    return `${row.history ?? 0}/${row.transitions ?? 0}/${row.versions ?? 0}/${row.links ?? 0}`;
  }
}

/**
 * The store's audited acts. Each repository method that changes state runs, together with its audit
 * entry, as one unit (one transaction) supplied by the store: the act and its entry commit or roll
 * back together, so there is no act without an entry and no entry for an act that did not happen.
 *
 *   act                         action               object      details
 *   users.ensure (new user)     user.create          user/NAME   {}
 *   orders.create               order.create         order/ID    title, decisionRef, action, targets…
 *   orders.apply                order.<transition>   order/ID    from, to
 *   orders.attachList           order.attach-list    order/ID    list, version
 *   lists.create                list.create          list/ID     name, format
 *   lists.addVersion            list.import          list/ID     version, rules, sha256, format…
 *   appeals.file (actor public) appeal.file          appeal/ID   order, appellant, contact: bool
 *   appeals.decide              appeal.decide        appeal/ID   order, outcome, reason
 *   (appeals are written by store/sql/appeals.ts in the same way; the contact is never in details)
 *   subscribers.upsertMany      subscriber.create|update  subscriber/ISP/ID  {} (ids only, never identity)
 *                               subscriber.import    isp/ISP     rows, created, updated
 *   subscribers.setKeyCheck     identity.key-check   identity/key {}
 *   subscribers.claimDisconnect disconnect.request   disconnect/ID order, isp, subscriber, session
 *   subscribers.settleDisconnect disconnect.<ack|nak|timeout|error>  disconnect/ID  order, errorCause, attempts
 *   (written by store/sql/subscribers.ts in the same way)
 *
 * A user created on first use by any act gets its own `user.create` entry just before the act's.
 * Reads pass straight through.
 */
import { createHash } from 'node:crypto';
import type { OrderChange, OrderInput } from '../policy/lifecycle.js';
import { normaliseUserName } from '../policy/lifecycle.js';
import type { Order } from '../policy/model.js';
import type { ListRepository, ListVersionInput, OrderRepository, UserRepository } from '../store/types.js';
import { canonicalJson } from './canonical.js';
import type { AuditEntry, AuditInput } from './types.js';

/** One transaction's view of the store: repositories bound to it and the audit append within it. */
export interface AuditUnit {
  readonly orders: OrderRepository;
  readonly lists: ListRepository;
  readonly users: UserRepository;
  /**
   * Creates the user if new (at `at`, or now) and returns the normalised name. Its `user.create` entry
   * is written just before the act's own entry (or at the end of the unit).
   */
  ensureUser(name: string, at?: number): Promise<string>;
  /** Appends an entry in this transaction. */
  append(input: AuditInput): Promise<AuditEntry>;
}

/** Runs `work` as one transaction; the store reruns it whole when the audit chain moved under it. */
export type RunUnit = <T>(work: (unit: AuditUnit) => Promise<T>) => Promise<T>;

/** The repositories that change state, as the store builds them. */
export interface Repositories {
  readonly orders: OrderRepository;
  readonly lists: ListRepository;
  readonly users: UserRepository;
}

type Work<T> = (unit: AuditUnit, actor: string) => Promise<T>;

/**
 * Runs an act by `actor`. A user seen before is not touched ahead of the act, so an act that does
 * slow work before writing (a list import compresses its body) holds no write lock meanwhile.
 */
function actAs(base: Repositories, run: RunUnit) {
  return async <T>(actor: string, at: number | undefined, work: Work<T>): Promise<T> => {
    const name = normaliseUserName(actor);
    const known = (await base.users.get(name)) !== undefined;
    return run(async (unit) => {
      if (!known) await unit.ensureUser(name, at);
      return work(unit, name);
    });
  };
}

function orderDetails(input: OrderInput): Record<string, unknown> {
  return {
    title: input.title,
    authority: input.authority.name,
    decisionRef: input.decisionRef,
    action: input.action.kind,
    targets: input.targets.length,
    notBefore: input.notBefore,
    expiresAt: input.expiresAt,
    // Binds the entry to everything that was submitted, targets included.
    sha256: createHash('sha256').update(canonicalJson(input)).digest('hex'),
  };
}

function auditedOrders(base: Repositories, run: RunUnit): OrderRepository {
  const act = actAs(base, run);
  const orders = base.orders;
  const entry = (actor: string, action: string, id: number, details: Record<string, unknown>) => ({
    actor,
    action,
    object: `order/${id}`,
    details,
  });
  return {
    create: (input: OrderInput, actor: string): Promise<Order> =>
      act(actor, undefined, async (unit, by) => {
        const order = await unit.orders.create(input, by);
        await unit.append(entry(by, 'order.create', order.id, orderDetails(input)));
        return order;
      }),
    apply: (change: OrderChange) =>
      act(change.actor, change.at, async (unit, by) => {
        const order = await unit.orders.apply(change);
        const details = { from: change.from, to: change.to };
        await unit.append(entry(by, `order.${change.transition}`, change.orderId, details));
        return order;
      }),
    attachList: (orderId: number, listId: number, actor: string, version: number | null = null) =>
      act(actor, undefined, async (unit, by) => {
        const attached = await unit.orders.attachList(orderId, listId, by, version);
        await unit.append(entry(by, 'order.attach-list', orderId, { list: listId, version }));
        return attached;
      }),
    get: (id) => orders.get(id),
    require: (id) => orders.require(id),
    list: (filter) => orders.list(filter),
    targets: (id) => orders.targets(id),
    history: (id) => orders.history(id),
    lists: (orderId) => orders.lists(orderId),
    listActiveWithRules: (now) => orders.listActiveWithRules(now),
    changeStamp: () => orders.changeStamp(),
  };
}

function auditedLists(base: Repositories, run: RunUnit): ListRepository {
  const act = actAs(base, run);
  const lists = base.lists;
  return {
    create: (input, actor) =>
      act(actor, undefined, async (unit, by) => {
        const list = await unit.lists.create(input, by);
        const details = { name: list.name, format: list.format };
        await unit.append({ actor: by, action: 'list.create', object: `list/${list.id}`, details });
        return list;
      }),
    addVersion: (listId: number, input: ListVersionInput, actor: string) =>
      act(actor, undefined, async (unit, by) => {
        const info = await unit.lists.addVersion(listId, input, by);
        const { version, ruleCount: rules, sha256, format, sourceName: source, stats } = info;
        const details = { version, rules, sha256, format, source, stats };
        await unit.append({ actor: by, action: 'list.import', object: `list/${listId}`, details });
        return info;
      }),
    get: (id) => lists.get(id),
    byName: (name) => lists.byName(name),
    all: () => lists.all(),
    getVersion: (listId, version) => lists.getVersion(listId, version),
    lines: (listId, version) => lists.lines(listId, version),
    versions: (listId) => lists.versions(listId),
    diff: (listId, a, b) => lists.diff(listId, a, b),
  };
}

function auditedUsers(base: Repositories, run: RunUnit): UserRepository {
  return {
    ensure: async (name) =>
      (await base.users.get(name)) ??
      run(async (unit) => {
        const normal = await unit.ensureUser(name);
        return (await unit.users.get(normal))!;
      }),
    get: (name) => base.users.get(name),
    list: () => base.users.list(),
  };
}

/** Wraps the store's repositories so every state change writes its audit entry in the same transaction. */
export function auditRepositories(base: Repositories, run: RunUnit): Repositories {
  return {
    orders: auditedOrders(base, run),
    lists: auditedLists(base, run),
    users: auditedUsers(base, run),
  };
}

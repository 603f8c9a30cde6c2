/**
 * The store contract: every Store implementation (SQLite now, PostgreSQL later) runs this same suite.
 * Call `runStoreContract(name, open)` from a `*.test.ts`; `open` must return a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrderInput } from '../policy/lifecycle.js';
import { approve, revoke, submit, suspend, transition } from '../policy/lifecycle.js';
import type { Order, Rule } from '../policy/model.js';
import { formatTarget, parseTargetOrThrow } from '../policy/target.js';
import { runAuditContract } from './contract-audit.test-suite.js';
import { runListContract } from './contract-lists.test-suite.js';
import { runSubscriberContract } from './contract-subscribers.test-suite.js';
import type { Store } from './types.js';

/** A day in milliseconds. */
export const DAY = 86_400_000;

/** A valid order input, times relative to the real clock (stores stamp creation with it). */
export function orderInput(over: Partial<OrderInput> = {}): OrderInput {
  const now = Date.now();
  return {
    title: 'Block example',
    authority: { name: 'District Court', kind: 'court' },
    legalBasis: { instrument: 'Act 12/2020', article: 'art. 7' },
    decisionRef: '2024/123',
    scope: { kind: 'isps', isps: ['isp-a', 'isp-b'] },
    action: { kind: 'throttle', bytesPerSecond: 1000 },
    disclosure: {
      infoCode: 16,
      notice: 'Blocked by order',
      appeal: ['mailto:appeals@court.example'],
      dnsAnswer: 'nxdomain',
    },
    notBefore: now - 1000,
    expiresAt: now + 30 * DAY,
    public: false,
    targets: ['example.com', '=exact.example', '10.0.0.0/8', '@@ok.example.com'],
    ...over,
  };
}

/** Creates an order as alice, submits it and has bob approve it. */
export async function activeOrder(store: Store, over: Partial<OrderInput> = {}): Promise<Order> {
  const draft = await store.orders.create(orderInput(over), 'alice');
  const pending = await store.orders.apply(submit(draft, 'alice', Date.now()));
  return store.orders.apply(approve(pending, 'bob', Date.now()));
}

const lines = (rules: Iterable<Rule>): string[] => [...rules].map(formatTarget);

/** Runs the whole contract against the stores `open` makes. */
export function runStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('is migrated on open', async () => {
      expect(await store.schemaVersion()).toBeGreaterThanOrEqual(1);
    });

    it('creates users on first use, with normalised names', async () => {
      const first = await store.users.ensure('  Alice ');
      expect(first.name).toBe('alice');
      expect(await store.users.ensure('ALICE')).toEqual(first);
      await store.orders.create(orderInput(), 'Bob');
      expect((await store.users.list()).map((u) => u.name)).toEqual(['alice', 'bob']);
      await expect(store.users.ensure(' ')).rejects.toMatchObject({ code: 'GH_ERR_USER_REQUIRED' });
    });

    it('creates a draft order that reads back as it was given', async () => {
      const input = orderInput();
      const order = await store.orders.create(input, 'Alice');
      const { targets, ...fields } = input;
      expect(order).toMatchObject({
        ...fields,
        status: 'draft',
        createdBy: 'alice',
        approvedBy: null,
        approvedAt: null,
      });
      expect(Number.isInteger(order.id) && order.id > 0).toBe(true);
      expect(await store.orders.get(order.id)).toEqual(order);
      expect(await store.orders.targets(order.id)).toEqual(targets);
      expect(await store.orders.history(order.id)).toEqual([
        { orderId: order.id, from: null, to: 'draft', actor: 'alice', at: order.createdAt },
      ]);
      const second = await store.orders.create(orderInput({ targets: [] }), 'alice');
      expect(second.id).toBeGreaterThan(order.id);
      expect(await store.orders.targets(second.id)).toEqual([]);
    });

    it('reports unknown orders', async () => {
      expect(await store.orders.get(999)).toBeUndefined();
      for (const call of [
        () => store.orders.require(999),
        () => store.orders.targets(999),
        () => store.orders.history(999),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: 'GH_ERR_ORDER_NOT_FOUND' });
      }
    });

    it('applies every transition and keeps who and when', async () => {
      const active = await activeOrder(store);
      expect(active).toMatchObject({ status: 'active', approvedBy: 'bob' });
      expect(active.approvedAt).toBeGreaterThan(0);
      const suspended = await store.orders.apply(suspend(active, 'carol', active.approvedAt! + 1));
      const again = await store.orders.apply(
        transition(suspended, 'activate', 'dave', active.approvedAt! + 2),
      );
      const revoked = await store.orders.apply(revoke(again, 'erin', active.approvedAt! + 3));
      expect(revoked).toMatchObject({ status: 'revoked', approvedBy: 'bob', approvedAt: active.approvedAt });
      const history = await store.orders.history(active.id);
      expect(history.map((h) => [h.from, h.to, h.actor])).toEqual([
        [null, 'draft', 'alice'],
        ['draft', 'pending-approval', 'alice'],
        ['pending-approval', 'active', 'bob'],
        ['active', 'suspended', 'carol'],
        ['suspended', 'active', 'dave'],
        ['active', 'revoked', 'erin'],
      ]);
      expect(history[5].at).toBe(active.approvedAt! + 3);
    });

    it('refuses a stale change (compare-and-set on the expected status)', async () => {
      const draft = await store.orders.create(orderInput(), 'alice');
      const change = submit(draft, 'alice', Date.now());
      await store.orders.apply(change);
      await expect(store.orders.apply(change)).rejects.toMatchObject({ code: 'GH_ERR_ORDER_STATE' });
    });

    it('lets exactly one of two racing approvals win', async () => {
      const draft = await store.orders.create(orderInput(), 'alice');
      const pending = await store.orders.apply(submit(draft, 'alice', Date.now()));
      const results = await Promise.allSettled([
        store.orders.apply(approve(pending, 'bob', Date.now())),
        store.orders.apply(approve(pending, 'carol', Date.now())),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0].reason).toMatchObject({ code: 'GH_ERR_ORDER_STATE' });
      const history = await store.orders.history(draft.id);
      expect(history.filter((h) => h.to === 'active')).toHaveLength(1);
    });

    it('enforces the two-person rule itself, even for a forged change', async () => {
      const draft = await store.orders.create(orderInput(), 'alice');
      await store.orders.apply(submit(draft, 'alice', Date.now()));
      const forged = {
        orderId: draft.id,
        transition: 'approve',
        from: 'pending-approval',
        to: 'active',
      } as const;
      const change = {
        ...forged,
        actor: 'ALICE',
        at: Date.now(),
        approvedBy: 'alice',
        approvedAt: Date.now(),
      };
      await expect(store.orders.apply(change)).rejects.toMatchObject({ code: 'GH_ERR_ORDER_SELF_APPROVAL' });
      expect((await store.orders.require(draft.id)).status).toBe('pending-approval');
    });

    it('lists orders by status, leaving expired ones out unless asked', async () => {
      const now = Date.now();
      const draft = await store.orders.create(orderInput(), 'alice');
      const active = await activeOrder(store);
      const lapsed = await store.orders.create(
        orderInput({ notBefore: now - 2 * DAY, expiresAt: now - DAY }),
        'alice',
      );
      const expired = await store.orders.apply(transition(lapsed, 'expire', 'system', now));
      const ids = (orders: Order[]) => orders.map((o) => o.id);
      expect(ids(await store.orders.list())).toEqual([draft.id, active.id]);
      expect(ids(await store.orders.list({ includeExpired: true }))).toEqual([
        draft.id,
        active.id,
        expired.id,
      ]);
      expect(ids(await store.orders.list({ status: 'active' }))).toEqual([active.id]);
      expect(ids(await store.orders.list({ status: ['draft', 'expired'], includeExpired: true }))).toEqual([
        draft.id,
        expired.id,
      ]);
      expect(await store.orders.list({ status: [] })).toEqual([]);
    });

    it('attaches lists to drafts only', async () => {
      const list = await store.lists.create({ name: 'feed', format: 'hosts' }, 'alice');
      await store.lists.addVersion(list.id, { rules: [parseTargetOrThrow('a.example')] }, 'alice');
      const draft = await store.orders.create(orderInput(), 'alice');
      expect(await store.orders.attachList(draft.id, list.id, 'Alice')).toMatchObject({
        version: null,
        attachedBy: 'alice',
      });
      await store.orders.attachList(draft.id, list.id, 'bob', 1);
      expect(await store.orders.lists(draft.id)).toMatchObject([
        { orderId: draft.id, listId: list.id, version: 1 },
      ]);
      const attach = (order: number, id: number, version: number | null = null) =>
        store.orders.attachList(order, id, 'bob', version);
      await expect(attach(draft.id, 999)).rejects.toMatchObject({ code: 'GH_ERR_LIST_NOT_FOUND' });
      await expect(attach(draft.id, list.id, 7)).rejects.toMatchObject({ code: 'GH_ERR_LIST_NOT_FOUND' });
      await expect(attach(999, list.id)).rejects.toMatchObject({ code: 'GH_ERR_ORDER_NOT_FOUND' });
      const active = await activeOrder(store);
      await expect(attach(active.id, list.id)).rejects.toMatchObject({ code: 'GH_ERR_ORDER_STATE' });
    });

    it('gives compilation the active unexpired orders with their targets and list rules', async () => {
      const now = Date.now();
      const list = await store.lists.create({ name: 'feed', format: 'hosts' }, 'alice');
      await store.lists.addVersion(list.id, { rules: ['v1.example'].map(parseTargetOrThrow) }, 'alice');
      const follow = await store.orders.create(orderInput({ targets: ['own.example'] }), 'alice');
      const pinned = await store.orders.create(orderInput({ targets: [], expiresAt: now + DAY }), 'alice');
      await store.orders.attachList(follow.id, list.id, 'alice');
      await store.orders.attachList(pinned.id, list.id, 'alice', 1);
      for (const o of [follow, pinned]) {
        await store.orders.apply(approve(await store.orders.apply(submit(o, 'alice', now)), 'bob', now));
      }
      const later = await activeOrder(store, {
        notBefore: now + DAY,
        expiresAt: now + 3 * DAY,
        targets: ['later.example'],
      });
      await store.orders.create(orderInput(), 'alice');
      await store.lists.addVersion(list.id, { rules: ['v2.example'].map(parseTargetOrThrow) }, 'alice');
      const inForce = await store.orders.listActiveWithRules(now);
      // `later` starts tomorrow: compiled already, so it starts at its second without a recompile.
      expect(inForce.map((o) => o.order.id)).toEqual([follow.id, pinned.id, later.id]);
      expect(lines(inForce[0].rules)).toEqual(['own.example', 'v2.example']);
      expect(lines(inForce[1].rules)).toEqual(['v1.example']);
      const twoDaysOn = await store.orders.listActiveWithRules(now + 2 * DAY);
      expect(twoDaysOn.map((o) => o.order.id)).toEqual([follow.id, later.id]);
    });

    it('changes its stamp on every transition and list version', async () => {
      const before = await store.orders.changeStamp();
      const order = await activeOrder(store, { targets: ['stamp.example'] });
      const afterOrder = await store.orders.changeStamp();
      expect(afterOrder).not.toBe(before);
      const list = await store.lists.create({ name: 'stamped', format: 'domains' }, 'alice');
      await store.lists.addVersion(list.id, { rules: ['x.example'].map(parseTargetOrThrow) }, 'alice');
      expect(await store.orders.changeStamp()).not.toBe(afterOrder);
      expect(order.status).toBe('active');
    });

    it('includes a list attached before its first version as no rules', async () => {
      const list = await store.lists.create({ name: 'empty', format: 'rpz' }, 'alice');
      const order = await store.orders.create(orderInput({ targets: ['own.example'] }), 'alice');
      await store.orders.attachList(order.id, list.id, 'alice');
      await store.orders.apply(
        approve(await store.orders.apply(submit(order, 'alice', Date.now())), 'bob', Date.now()),
      );
      const [only] = await store.orders.listActiveWithRules(Date.now());
      expect(lines(only.rules)).toEqual(['own.example']);
    });

    runListContract(() => store);
    runAuditContract(() => store);
    runSubscriberContract(() => store);
  });
}

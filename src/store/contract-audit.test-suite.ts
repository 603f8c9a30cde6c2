/** The audit half of the store contract (see `contract.test-suite.ts`), run inside its describe block. */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { canonicalJson } from '../audit/canonical.js';
import { GENESIS_HASH, hashAuditRecord } from '../audit/hash.js';
import type { AuditEntry } from '../audit/types.js';
import { approve, expire, revoke, submit, suspend, transition } from '../policy/lifecycle.js';
import type { Order } from '../policy/model.js';
import { parseTargetOrThrow } from '../policy/target.js';
import { orderInput } from './contract.test-suite.js';
import type { ListInfo, Store } from './types.js';

type Expected = Pick<AuditEntry, 'actor' | 'action' | 'object'> & { details?: Record<string, unknown> };
type Prepare = (s: Store, draft: Order) => Promise<Order>;
type Act = (s: Store, order: Order, list: ListInfo) => Promise<Expected>;

const now = () => Date.now();
const pending: Prepare = (s, o) => s.orders.apply(submit(o, 'alice', now()));
const active: Prepare = async (s, o) => s.orders.apply(approve(await pending(s, o), 'bob', now()));
const suspended: Prepare = async (s, o) => s.orders.apply(suspend(await active(s, o), 'carol', now()));
const sha = (lines: string[]) => createHash('sha256').update(lines.join('\n')).digest('hex');
const onOrder = (o: Order, actor: string, action: string, details: Record<string, unknown>) => ({
  actor,
  action,
  object: `order/${o.id}`,
  details,
});

/** Every state change: how to get there (not measured), the act, and the one entry it must write. */
const ACTS: [string, Prepare | null, Act][] = [
  [
    'orders.create',
    null,
    async (s) => {
      const o = await s.orders.create(orderInput(), 'Alice');
      const details = { title: 'Block example', decisionRef: '2024/123', action: 'throttle', targets: 4 };
      return onOrder(o, 'alice', 'order.create', details);
    },
  ],
  [
    'orders.apply (submit)',
    null,
    async (s, o) => {
      await s.orders.apply(submit(o, 'alice', now()));
      return onOrder(o, 'alice', 'order.submit', { from: 'draft', to: 'pending-approval' });
    },
  ],
  [
    'orders.apply (approve)',
    pending,
    async (s, o) => {
      await s.orders.apply(approve(o, 'Bob', now()));
      return onOrder(o, 'bob', 'order.approve', { from: 'pending-approval', to: 'active' });
    },
  ],
  [
    'orders.apply (suspend)',
    active,
    async (s, o) => {
      await s.orders.apply(suspend(o, 'carol', now()));
      return onOrder(o, 'carol', 'order.suspend', { from: 'active', to: 'suspended' });
    },
  ],
  [
    'orders.apply (activate)',
    suspended,
    async (s, o) => {
      await s.orders.apply(transition(o, 'activate', 'dave', now()));
      return onOrder(o, 'dave', 'order.activate', { from: 'suspended', to: 'active' });
    },
  ],
  [
    'orders.apply (revoke)',
    active,
    async (s, o) => {
      await s.orders.apply(revoke(o, 'carol', now()));
      return onOrder(o, 'carol', 'order.revoke', { from: 'active', to: 'revoked' });
    },
  ],
  [
    'orders.apply (expire)',
    active,
    async (s, o) => {
      await s.orders.apply(expire(o, o.expiresAt));
      return onOrder(o, 'system', 'order.expire', { from: 'active', to: 'expired' });
    },
  ],
  [
    'orders.attachList',
    null,
    async (s, o, list) => {
      await s.orders.attachList(o.id, list.id, 'alice', null);
      return onOrder(o, 'alice', 'order.attach-list', { list: list.id, version: null });
    },
  ],
  [
    'lists.create',
    null,
    async (s) => {
      const list = await s.lists.create({ name: 'malware', format: 'rpz' }, 'bob');
      const details = { name: 'malware', format: 'rpz' };
      return { actor: 'bob', action: 'list.create', object: `list/${list.id}`, details };
    },
  ],
  [
    'lists.addVersion',
    null,
    async (s, _, list) => {
      const rules = ['b.example', 'a.example'].map(parseTargetOrThrow);
      const input = { rules, sourceName: 'feed.txt', stats: { lines: 2, errors: 0 } };
      await s.lists.addVersion(list.id, input, 'carol');
      const details = {
        version: 1,
        rules: 2,
        sha256: sha(['b.example', 'a.example']),
        format: 'hosts',
        source: 'feed.txt',
        stats: { lines: 2, errors: 0 },
      };
      return { actor: 'carol', action: 'list.import', object: `list/${list.id}`, details };
    },
  ],
  [
    'users.ensure (a new user)',
    null,
    async (s) => {
      await s.users.ensure(' Erin ');
      return { actor: 'erin', action: 'user.create', object: 'user/erin', details: {} };
    },
  ],
];

/** Registers the audit tests; `store` returns the store the surrounding `beforeEach` opened. */
export function runAuditContract(store: () => Store): void {
  it('appends a chain: consecutive seqs, each linked to the one before and hashed as documented', async () => {
    const audit = store().audit;
    const details = [{ b: 1, a: { d: [1, 'x'], c: null } }, {}, { note: 'ünïcödé "quoted"\n' }];
    for (const [i, d] of details.entries()) {
      await audit.append({ actor: 'Auditor', action: 'records.access', object: `order/${i}`, details: d });
    }
    const entries = await audit.entries({ limit: 10 });
    expect(entries.map((e) => [e.seq, e.actor, e.details])).toEqual(
      details.map((d, i) => [i + 1, 'auditor', d]),
    );
    entries.forEach((e, i) => {
      expect(e.prev).toBe(i === 0 ? GENESIS_HASH : entries[i - 1].hash);
      expect(e.hash).toBe(hashAuditRecord({ ...e, details: canonicalJson(e.details) }));
    });
    const last = entries[2];
    expect(await audit.head()).toEqual({ seq: 3, hash: last.hash, time: last.time });
    expect(await audit.verify()).toEqual({ ok: true, entries: 3, head: await audit.head() });
  });

  it('has an empty, intact log when new', async () => {
    expect(await store().audit.head()).toEqual({ seq: 0, hash: GENESIS_HASH, time: 0 });
    expect(await store().audit.verify()).toMatchObject({ ok: true, entries: 0 });
  });

  it.each(ACTS)('%s writes exactly one entry, in its own transaction', async (_, prepare, act) => {
    const s = store();
    for (const name of ['alice', 'bob', 'carol', 'dave', 'system']) await s.users.ensure(name);
    const draft = await s.orders.create(orderInput(), 'alice');
    const list = await s.lists.create({ name: 'feed', format: 'hosts' }, 'alice');
    const order = prepare === null ? draft : await prepare(s, draft);
    const before = (await s.audit.head()).seq;
    const expected = await act(s, order, list);
    const written = await s.audit.entries({ from: before + 1, limit: 10 });
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ ...expected, details: expect.objectContaining(expected.details) });
    expect(await s.audit.verify()).toMatchObject({ ok: true });
  });

  it('audits a user created on first use just before the act it was created for', async () => {
    const s = store();
    const order = await s.orders.create(orderInput(), 'Newcomer');
    const entries = await s.audit.entries({ limit: 10 });
    expect(entries.map((e) => [e.actor, e.action, e.object])).toEqual([
      ['newcomer', 'user.create', 'user/newcomer'],
      ['newcomer', 'order.create', `order/${order.id}`],
    ]);
    await s.users.ensure('NEWCOMER');
    expect((await s.audit.head()).seq).toBe(2);
  });

  it('writes nothing, not even the new user, for an act that fails', async () => {
    const s = store();
    const draft = await s.orders.create(orderInput(), 'alice');
    const waiting = await pending(s, draft);
    const before = await s.audit.head();
    const selfApproval = { ...approve(waiting, 'bob', now()), actor: 'alice', approvedBy: 'alice' };
    await expect(s.orders.apply(selfApproval)).rejects.toMatchObject({ code: 'GH_ERR_ORDER_SELF_APPROVAL' });
    await expect(s.orders.apply(submit(draft, 'mallory', now()))).rejects.toMatchObject({
      code: 'GH_ERR_ORDER_STATE',
    });
    await expect(s.lists.create({ name: ' ', format: 'rpz' }, 'mallory')).rejects.toMatchObject({
      code: 'GH_ERR_LIST_INVALID',
    });
    expect(await s.audit.head()).toEqual(before);
    expect(await s.users.get('mallory')).toBeUndefined();
  });

  it('keeps the chain whole under concurrent appends and acts', async () => {
    const s = store();
    await s.users.ensure('alice');
    const appends = Array.from({ length: 20 }, (_, i) =>
      s.audit.append({ actor: 'alice', action: 'records.access', object: `order/${i}` }),
    );
    const creates = Array.from({ length: 5 }, () => s.orders.create(orderInput(), 'alice'));
    await Promise.all([...appends, ...creates]);
    const result = await s.audit.verify({ pageSize: 7 });
    expect(result).toMatchObject({ ok: true, entries: 26 });
  });

  it('filters entries by seq range, actor, action and object', async () => {
    const s = store();
    const first = await s.orders.create(orderInput(), 'alice');
    const second = await s.orders.create(orderInput(), 'bob');
    await s.orders.apply(submit(first, 'alice', now()));
    const pick = async (q: Partial<Parameters<Store['audit']['entries']>[0]>) =>
      (await s.audit.entries({ limit: 100, ...q })).map((e) => `${e.seq} ${e.action} ${e.object}`);
    expect(await pick({ object: `order/${first.id}` })).toEqual([
      `2 order.create order/${first.id}`,
      `5 order.submit order/${first.id}`,
    ]);
    expect(await pick({ actor: 'BOB' })).toEqual([
      '3 user.create user/bob',
      `4 order.create order/${second.id}`,
    ]);
    expect(await pick({ action: 'order.create', from: 3, to: 4 })).toEqual([
      `4 order.create order/${second.id}`,
    ]);
    expect(await pick({ limit: 2 })).toHaveLength(2);
    await expect(s.audit.entries({ limit: 0 })).rejects.toMatchObject({ code: 'GH_ERR_AUDIT_INVALID' });
  });

  it.each([
    ['an action without a verb', { action: 'order' }],
    ['an uppercase action', { action: 'Order.Create' }],
    ['an object without an id', { object: 'order/' }],
    ['an object with a space', { object: 'order/1 2' }],
    ['details that are an array', { details: [1] as unknown as Record<string, unknown> }],
    ['details with NaN', { details: { n: Number.NaN } }],
    ['details with a bigint', { details: { n: 1n } }],
    ['details with a Map', { details: { m: new Map() } }],
  ])('refuses %s with GH_ERR_AUDIT_INVALID', async (_, over) => {
    const input = { actor: 'alice', action: 'order.create', object: 'order/1', ...over };
    await expect(store().audit.append(input)).rejects.toMatchObject({ code: 'GH_ERR_AUDIT_INVALID' });
    expect((await store().audit.head()).seq).toBe(0);
  });

  it('checks the chain against a trusted (published) head', async () => {
    const audit = store().audit;
    for (let i = 0; i < 3; i++) await audit.append({ actor: 'a', action: 'x.y', object: `o/${i}` });
    const head = await audit.head();
    expect(await audit.verify({ trusted: head })).toMatchObject({ ok: true, entries: 3 });
    expect(await audit.verify({ trusted: { seq: 5, hash: head.hash } })).toMatchObject({
      ok: false,
      seq: 4,
      problem: 'missing',
    });
    expect(await audit.verify({ trusted: { seq: 3, hash: GENESIS_HASH } })).toMatchObject({
      ok: false,
      seq: 3,
      problem: 'modified',
    });
  });
}

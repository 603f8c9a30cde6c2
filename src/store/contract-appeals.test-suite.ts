/**
 * The appeals contract: every Store runs it (`appeals.test.ts` on SQLite and PostgreSQL).
 * `open` must return a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Order } from '../policy/model.js';
import { APPEAL_LIMITS, type AppealInput } from './appeals.js';
import { activeOrder } from './contract.test-suite.js';
import type { Store } from './types.js';

const CONTACT = 'appellant.private@example.org';

const input = (order: Order, over: Partial<AppealInput> = {}): AppealInput => ({
  orderId: order.id,
  appellant: 'site-owner',
  contact: CONTACT,
  grounds: 'My bakery is not a casino.',
  ...over,
});

/** Runs the appeals contract against the stores `open` makes. */
export function runAppealContract(name: string, open: () => Promise<Store>): void {
  describe(`appeal contract: ${name}`, () => {
    let store: Store;
    let order: Order;
    beforeEach(async () => {
      store = await open();
      order = await activeOrder(store, { public: true });
    });
    afterEach(async () => {
      await store.close();
    });

    it('files an appeal with an unguessable reference and reads it back', async () => {
      const appeal = await store.appeals.file(input(order, { grounds: '  trimmed  ' }));
      expect(appeal).toMatchObject({
        orderId: order.id,
        appellant: 'site-owner',
        contact: CONTACT,
        grounds: 'trimmed',
        status: 'filed',
        decidedBy: null,
        decidedAt: null,
        reason: null,
      });
      expect(appeal.ref).toMatch(/^(?:[a-z2-7]{4}-){5}[a-z2-7]{4}$/);
      expect(await store.appeals.get(appeal.ref)).toEqual(appeal);
    });

    it('gives every appeal its own reference', async () => {
      const refs = new Set<string>();
      for (let i = 0; i < 20; i++) refs.add((await store.appeals.file(input(order))).ref);
      expect(refs.size).toBe(20);
    });

    it('audits filing as actor public, without the contact', async () => {
      const before = (await store.audit.head()).seq;
      const appeal = await store.appeals.file(input(order));
      const written = await store.audit.entries({ from: before + 1, limit: 10 });
      expect(written).toHaveLength(1);
      expect(written[0]).toMatchObject({
        actor: 'public',
        action: 'appeal.file',
        object: `appeal/${appeal.id}`,
        details: { order: order.id, appellant: 'site-owner', contact: true },
      });
      expect(JSON.stringify(written)).not.toContain(CONTACT);
      expect(JSON.stringify(written)).not.toContain(appeal.ref);
      expect(await store.audit.verify()).toMatchObject({ ok: true });
    });

    it('refuses an appeal against an unknown order, writing nothing', async () => {
      const before = await store.audit.head();
      await expect(store.appeals.file(input(order, { orderId: order.id + 100 }))).rejects.toMatchObject({
        code: 'GH_ERR_ORDER_NOT_FOUND',
      });
      expect(await store.audit.head()).toEqual(before);
      expect(await store.appeals.list()).toEqual([]);
    });

    it.each<[string, Partial<AppealInput>]>([
      ['order id 0', { orderId: 0 }],
      ['an unknown appellant kind', { appellant: 'lawyer' as AppealInput['appellant'] }],
      ['a contact that is not an e-mail address', { contact: 'call me maybe' }],
      ['a contact with markup', { contact: '<a@b.c>' }],
      ['empty grounds', { grounds: '   ' }],
      ['grounds over the limit', { grounds: 'x'.repeat(APPEAL_LIMITS.grounds + 1) }],
    ])('refuses %s with GH_ERR_APPEAL_INVALID', async (_, over) => {
      await expect(store.appeals.file(input(order, over))).rejects.toMatchObject({
        code: 'GH_ERR_APPEAL_INVALID',
      });
    });

    it('accepts an appeal without a contact', async () => {
      const appeal = await store.appeals.file(input(order, { contact: '', appellant: 'user' }));
      expect(appeal).toMatchObject({ contact: null, appellant: 'user' });
    });

    it.each(['', 'nope', 'aaaa-aaaa-aaaa-aaaa-aaaa-aaaa', "' or 1=1 --"])(
      'finds no appeal %j',
      async (ref) => {
        await store.appeals.file(input(order));
        expect(await store.appeals.get(ref)).toBeUndefined();
      },
    );

    it('lists newest first, by status and by order', async () => {
      const other = await activeOrder(store, { public: true });
      const a = await store.appeals.file(input(order));
      const b = await store.appeals.file(input(other));
      const c = await store.appeals.file(input(order));
      await store.appeals.decide(b.ref, { outcome: 'rejected', reason: 'lawful' }, 'judge');
      const refs = (xs: { ref: string }[]) => xs.map((x) => x.ref);
      expect(refs(await store.appeals.list())).toEqual([c.ref, b.ref, a.ref]);
      expect(refs(await store.appeals.list({ status: 'filed' }))).toEqual([c.ref, a.ref]);
      expect(refs(await store.appeals.list({ orderId: other.id }))).toEqual([b.ref]);
      expect(refs(await store.appeals.list({ limit: 1 }))).toEqual([c.ref]);
      await expect(store.appeals.list({ limit: 0 })).rejects.toMatchObject({ code: 'GH_ERR_APPEAL_INVALID' });
    });

    it('decides an appeal once, as a named actor, audited without the contact', async () => {
      const appeal = await store.appeals.file(input(order));
      const before = (await store.audit.head()).seq;
      const decided = await store.appeals.decide(
        appeal.ref,
        { outcome: 'upheld', reason: ' The site was listed by mistake. ' },
        ' Judge ',
      );
      expect(decided).toMatchObject({
        status: 'upheld',
        decidedBy: 'judge',
        reason: 'The site was listed by mistake.',
      });
      expect(decided.decidedAt).toEqual(expect.any(Number));
      expect(await store.appeals.get(appeal.ref)).toEqual(decided);
      const written = await store.audit.entries({ from: before + 1, limit: 10 });
      expect(written.map((e) => [e.actor, e.action, e.object])).toEqual([
        ['judge', 'user.create', 'user/judge'],
        ['judge', 'appeal.decide', `appeal/${appeal.id}`],
      ]);
      expect(written[1].details).toEqual({
        order: order.id,
        outcome: 'upheld',
        reason: 'The site was listed by mistake.',
      });
      expect(JSON.stringify(written)).not.toContain(CONTACT);
      await expect(
        store.appeals.decide(appeal.ref, { outcome: 'rejected', reason: 'again' }, 'carol'),
      ).rejects.toMatchObject({ code: 'GH_ERR_APPEAL_STATE' });
      expect(await store.audit.verify()).toMatchObject({ ok: true });
    });

    it('lets only one of two concurrent decisions win', async () => {
      const appeal = await store.appeals.file(input(order));
      const results = await Promise.allSettled([
        store.appeals.decide(appeal.ref, { outcome: 'upheld', reason: 'a' }, 'judge-a'),
        store.appeals.decide(appeal.ref, { outcome: 'rejected', reason: 'b' }, 'judge-b'),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason).toMatchObject({ code: 'GH_ERR_APPEAL_STATE' });
      const decides = await store.audit.entries({ action: 'appeal.decide', limit: 10 });
      expect(decides).toHaveLength(1);
    });

    it.each<[string, () => Promise<unknown>, string]>([
      [
        'an unknown reference',
        () =>
          store.appeals.decide('aaaa-aaaa-aaaa-aaaa-aaaa-aaaa', { outcome: 'upheld', reason: 'r' }, 'judge'),
        'GH_ERR_APPEAL_NOT_FOUND',
      ],
      [
        'an unknown outcome',
        async () => {
          const { ref } = await store.appeals.file(input(order));
          return store.appeals.decide(ref, { outcome: 'maybe' as 'upheld', reason: 'r' }, 'judge');
        },
        'GH_ERR_APPEAL_INVALID',
      ],
      [
        'no reason',
        async () => {
          const { ref } = await store.appeals.file(input(order));
          return store.appeals.decide(ref, { outcome: 'rejected', reason: ' ' }, 'judge');
        },
        'GH_ERR_APPEAL_INVALID',
      ],
      [
        'no actor',
        async () => {
          const { ref } = await store.appeals.file(input(order));
          return store.appeals.decide(ref, { outcome: 'rejected', reason: 'r' }, ' ');
        },
        'GH_ERR_USER_REQUIRED',
      ],
    ])('refuses a decision with %s', async (_, act, code) => {
      await expect(act()).rejects.toMatchObject({ code });
      expect(await store.audit.entries({ action: 'appeal.decide', limit: 10 })).toEqual([]);
    });
  });
}

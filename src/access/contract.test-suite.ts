/**
 * The warrant half of the store contract: every Store (SQLite, PostgreSQL) runs it. Call
 * `runWarrantContract(name, open)` from a `*.test.ts`; `open` must return a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/types.js';
import { resultsSha256 } from './export.js';
import type { ExecutionResult, WarrantInput, WarrantRecord } from './types.js';

const T0 = Date.UTC(2026, 0, 15, 12);
const HOUR = 3_600_000;

/** A valid request (window: the day before T0). */
export function warrantInput(over: Partial<WarrantInput> = {}): WarrantInput {
  return {
    authority: 'Central Criminal Police',
    reference: 'CCP-2026-17',
    crimeCategory: 'kidnapping',
    target: { kind: 'subscriber', isp: 'isp-a', subscriber: 'sub-42' },
    from: T0 - 24 * HOUR,
    to: T0,
    justification: 'Ransom calls traced to this subscriber.',
    urgency: 'normal',
    ...over,
  };
}

const record = (time: number, qname: string): WarrantRecord => ({
  kind: 'dns',
  time,
  record: { time, qname, clientAddress: '192.0.2.7', subscriber: 'p1-aaaaaaaaaaaaaaaaaaaa' },
});

function result(
  records: WarrantRecord[] = [record(T0 - HOUR, 'a.example'), record(T0 - 1, 'b.example')],
): ExecutionResult {
  return { records, sha256: resultsSha256(records), unlinkableEpochs: [7], truncated: false };
}
const due = { reviewDue: T0 + 24 * HOUR, notifyDue: T0 + 90 * 24 * HOUR };

/** Runs the warrant contract against the stores `open` makes. */
export function runWarrantContract(name: string, open: () => Promise<Store>): void {
  describe(`warrant contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });
    const actions = async (from = 0) =>
      (await store.audit.entries({ from: from + 1, limit: 100 })).map((e) => [e.actor, e.action, e.object]);
    const approved = async () => {
      const w = await store.warrants.request(warrantInput(), 'Olga', T0);
      return store.warrants.approve(w.id, 'judy', T0 + 1);
    };

    it('stores a request as requested, audited with the new user first', async () => {
      const w = await store.warrants.request(warrantInput(), 'Olga', T0);
      expect(w).toMatchObject({
        ...warrantInput(),
        status: 'requested',
        requestedBy: 'olga',
        requestedAt: T0,
      });
      expect(await store.warrants.require(w.id)).toEqual(w);
      expect(await actions()).toEqual([
        ['olga', 'user.create', 'user/olga'],
        ['olga', 'warrant.request', `warrant/${w.id}`],
      ]);
    });

    it('refuses the requester’s own approval and writes nothing', async () => {
      const w = await store.warrants.request(warrantInput(), 'olga', T0);
      const head = await store.audit.head();
      await expect(store.warrants.approve(w.id, ' OLGA ', T0 + 1)).rejects.toMatchObject({
        code: 'GH_ERR_WARRANT_SELF_APPROVAL',
      });
      expect(await store.audit.head()).toEqual(head);
      expect((await store.warrants.require(w.id)).status).toBe('requested');
    });

    it('approves once, by another person, and refuses a second decision', async () => {
      const w = await approved();
      expect(w).toMatchObject({
        status: 'approved',
        decision: 'approved',
        decidedBy: 'judy',
        decidedAt: T0 + 1,
      });
      await expect(store.warrants.refuse(w.id, 'jack', 'no', T0 + 2)).rejects.toMatchObject({
        code: 'GH_ERR_WARRANT_STATE',
      });
      expect((await actions()).at(-1)).toEqual(['judy', 'warrant.approve', `warrant/${w.id}`]);
    });

    it('records a refusal with its reason, and a refused warrant cannot run', async () => {
      const w = await store.warrants.request(warrantInput(), 'olga', T0);
      await expect(store.warrants.refuse(w.id, 'judy', '  ', T0 + 1)).rejects.toMatchObject({
        code: 'GH_ERR_WARRANT_INVALID',
      });
      const refused = await store.warrants.refuse(w.id, 'judy', 'Not proportionate', T0 + 1);
      expect(refused).toMatchObject({
        status: 'refused',
        decision: 'refused',
        decisionReason: 'Not proportionate',
      });
      await expect(store.warrants.execute(w.id, 'olga', T0 + 2, result(), due)).rejects.toMatchObject({
        code: 'GH_ERR_WARRANT_STATE',
      });
    });

    it('runs only once approved (a normal warrant)', async () => {
      const w = await store.warrants.request(warrantInput(), 'olga', T0);
      await expect(store.warrants.execute(w.id, 'olga', T0 + 1, result(), due)).rejects.toMatchObject({
        code: 'GH_ERR_WARRANT_STATE',
      });
      await expect(store.warrants.results(w.id, 'olga', T0 + 1, 'json')).rejects.toMatchObject({
        code: 'GH_ERR_WARRANT_STATE',
      });
    });

    it('stores an execution’s results and audits every read of them', async () => {
      const w = await approved();
      const r = result();
      const done = await store.warrants.execute(w.id, 'olga', T0 + 2, r, due);
      expect(done).toMatchObject({
        status: 'executed',
        executedBy: 'olga',
        resultCount: 2,
        resultSha256: r.sha256,
        unlinkableEpochs: [7],
        reviewDue: null,
        notifyDue: due.notifyDue,
      });
      const before = (await store.audit.head()).seq;
      expect(await store.warrants.results(w.id, 'olga', T0 + 3, 'json')).toEqual(r.records);
      expect(await store.warrants.results(w.id, 'judy', T0 + 4, 'csv')).toEqual(r.records);
      const reads = await store.audit.entries({ from: before + 1, limit: 10 });
      expect(reads.map((e) => [e.actor, e.action, e.details.count])).toEqual([
        ['olga', 'warrant.results', 2],
        ['judy', 'warrant.results', 2],
      ]);
      await expect(store.warrants.execute(w.id, 'olga', T0 + 5, r, due)).rejects.toMatchObject({
        code: 'GH_ERR_WARRANT_STATE',
      });
    });

    it('stores a large result in chunks, in order', async () => {
      const w = await approved();
      const many = Array.from({ length: 1234 }, (_, i) => record(T0 - 5000 + i, `n${i}.example`));
      await store.warrants.execute(w.id, 'olga', T0 + 2, result(many), due);
      expect(await store.warrants.results(w.id, 'olga', T0 + 3, 'json')).toEqual(many);
    });

    it('lets an urgent warrant run before approval, readable until its review is due', async () => {
      const w = await store.warrants.request(warrantInput({ urgency: 'urgent' }), 'olga', T0);
      const ran = await store.warrants.execute(w.id, 'olga', T0 + 1, result(), due);
      expect(ran).toMatchObject({ status: 'executed', decision: null, reviewDue: due.reviewDue });
      expect(await store.warrants.results(w.id, 'olga', due.reviewDue, 'json')).toHaveLength(2);
      const reviewed = await store.warrants.approve(w.id, 'judy', due.reviewDue - 1);
      expect(reviewed).toMatchObject({ status: 'executed', decision: 'approved', sealedAt: null });
      expect(await store.warrants.results(w.id, 'olga', due.reviewDue + HOUR, 'json')).toHaveLength(2);
    });

    it('seals an urgent execution whose review is overdue, and a late approval leaves it sealed', async () => {
      const w = await store.warrants.request(warrantInput({ urgency: 'urgent' }), 'olga', T0);
      await store.warrants.execute(w.id, 'olga', T0 + 1, result(), due);
      const before = (await store.audit.head()).seq;
      await expect(store.warrants.results(w.id, 'olga', due.reviewDue + 1, 'json')).rejects.toMatchObject({
        code: 'GH_ERR_WARRANT_SEALED',
      });
      expect(await actions(before)).toEqual([['system', 'warrant.seal', `warrant/${w.id}`]]);
      const late = await store.warrants.approve(w.id, 'judy', due.reviewDue + 2);
      expect(late).toMatchObject({ decision: 'approved', sealReason: 'review-overdue' });
      await expect(store.warrants.results(w.id, 'judy', due.reviewDue + 3, 'json')).rejects.toMatchObject({
        code: 'GH_ERR_WARRANT_SEALED',
      });
    });

    it('seals overdue urgent executions in a sweep, once', async () => {
      const w = await store.warrants.request(warrantInput({ urgency: 'urgent' }), 'olga', T0);
      await store.warrants.execute(w.id, 'olga', T0 + 1, result(), due);
      expect(await store.warrants.sealOverdue(due.reviewDue)).toEqual([]);
      expect((await store.warrants.sealOverdue(due.reviewDue + 1)).map((x) => x.id)).toEqual([w.id]);
      expect(await store.warrants.sealOverdue(due.reviewDue + 2)).toEqual([]);
    });

    it('seals an urgent execution refused on review', async () => {
      const w = await store.warrants.request(warrantInput({ urgency: 'urgent' }), 'olga', T0);
      await store.warrants.execute(w.id, 'olga', T0 + 1, result(), due);
      const refused = await store.warrants.refuse(w.id, 'judy', 'No urgency shown', T0 + 2);
      expect(refused).toMatchObject({ status: 'refused', sealedAt: T0 + 2, sealReason: 'refused' });
      await expect(store.warrants.results(w.id, 'olga', T0 + 3, 'csv')).rejects.toMatchObject({
        code: 'GH_ERR_WARRANT_SEALED',
      });
    });

    it('schedules, lists and records the notification of the person concerned', async () => {
      const a = await approved();
      await store.warrants.execute(a.id, 'olga', T0 + 2, result(), due);
      const b = await approved();
      await store.warrants.execute(b.id, 'olga', T0 + 3, result(), {
        ...due,
        notifyDue: due.notifyDue + HOUR,
      });
      expect((await store.warrants.pendingNotifications()).map((w) => w.id)).toEqual([a.id, b.id]);
      expect((await store.warrants.pendingNotifications(due.notifyDue)).map((w) => w.id)).toEqual([a.id]);
      expect(await store.warrants.pendingNotifications(due.notifyDue - 1)).toEqual([]);
      const done = await store.warrants.markNotified(a.id, 'olga', due.notifyDue, 'letter sent');
      expect(done).toMatchObject({
        notifiedBy: 'olga',
        notifiedAt: due.notifyDue,
        notifyNote: 'letter sent',
      });
      await expect(store.warrants.markNotified(a.id, 'olga', due.notifyDue, null)).rejects.toMatchObject({
        code: 'GH_ERR_WARRANT_STATE',
      });
      expect((await store.warrants.pendingNotifications()).map((w) => w.id)).toEqual([b.id]);
    });

    it('counts per month for the transparency report', async () => {
      const a = await approved();
      await store.warrants.execute(a.id, 'olga', T0 + 2, result(), due);
      await store.warrants.markNotified(a.id, 'olga', Date.UTC(2026, 3, 20), null);
      const b = await store.warrants.request(warrantInput(), 'olga', Date.UTC(2026, 1, 1));
      await store.warrants.refuse(b.id, 'judy', 'no', Date.UTC(2026, 1, 2));
      expect(await store.warrants.stats()).toEqual([
        { month: '2026-01', requested: 1, approved: 1, refused: 0, executed: 1, notified: 0 },
        { month: '2026-02', requested: 1, approved: 0, refused: 1, executed: 0, notified: 0 },
        { month: '2026-04', requested: 0, approved: 0, refused: 0, executed: 0, notified: 1 },
      ]);
      expect((await store.warrants.list({ status: 'refused' })).map((w) => w.id)).toEqual([b.id]);
      expect((await store.warrants.list()).map((w) => w.id)).toEqual([b.id, a.id]);
      expect(await store.audit.verify()).toMatchObject({ ok: true });
    });

    it('lets exactly one of two concurrent decisions win', async () => {
      const w = await store.warrants.request(warrantInput(), 'olga', T0);
      const outcomes = await Promise.allSettled([
        store.warrants.approve(w.id, 'judy', T0 + 1),
        store.warrants.refuse(w.id, 'jack', 'no', T0 + 1),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({
        reason: { code: 'GH_ERR_WARRANT_STATE' },
      });
      expect(await store.audit.verify()).toMatchObject({ ok: true });
    });

    it('reports an unknown warrant', async () => {
      await expect(store.warrants.require(99)).rejects.toMatchObject({ code: 'GH_ERR_WARRANT_NOT_FOUND' });
      expect(await store.warrants.get(99)).toBeUndefined();
    });
  });
}

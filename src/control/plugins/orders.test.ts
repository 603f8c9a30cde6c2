/** The two-person order flow, list uploads with preview, explain and the audit trail, in-process. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Bench, type Client, createBench } from '../testing.js';

let bench: Bench;
let olga: Client;
let judge: Client;
let auditor: Client;

const order = (now: number) => ({
  title: 'Unlicensed gambling',
  authority: { name: 'District Court', kind: 'court' },
  legalBasis: { instrument: 'Gambling Act', article: '§ 56' },
  decisionRef: '2-26-1234',
  scope: { kind: 'national' },
  action: { kind: 'block' },
  disclosure: { notice: 'Blocked by court order', appeal: ['mailto:appeals@court.example'] },
  expiresAt: now + 86_400_000,
  targets: ['casino.example'],
});

beforeAll(async () => {
  bench = await createBench();
  olga = await bench.user('olga', ['operator', 'approver']);
  judge = await bench.user('judge', ['approver']);
  auditor = await bench.user('audrey', ['auditor']);
});
afterAll(() => bench.close());

describe('orders', () => {
  test('created by one person, approved by another, then in force and explained', async () => {
    const made = await bench.call(olga, { method: 'POST', url: '/api/orders', payload: order(bench.now()) });
    expect(made.statusCode).toBe(201);
    const id = made.json().order.id as number;
    expect(
      (await bench.call(olga, { method: 'POST', url: `/api/orders/${id}/submit` })).json().order.status,
    ).toBe('pending-approval');
    const self = await bench.call(olga, { method: 'POST', url: `/api/orders/${id}/approve` });
    expect([self.statusCode, self.json().code]).toEqual([403, 'GH_ERR_ORDER_SELF_APPROVAL']);
    const approved = await bench.call(judge, { method: 'POST', url: `/api/orders/${id}/approve` });
    expect(approved.json().order).toMatchObject({ status: 'active', approvedBy: 'judge' });
    await bench.feed.refresh();
    const why = await bench.call(auditor, { method: 'GET', url: '/api/explain?q=www.casino.example' });
    expect(why.json().decision).toMatchObject({ action: 'block', orderId: id });
    const shown = await bench.call(auditor, { method: 'GET', url: `/api/orders/${id}` });
    expect(shown.json()).toMatchObject({ targets: ['casino.example'], hits: { dns: 0, http: 0, tls: 0 } });
    expect(shown.json().noticeUrl).toMatch(new RegExp(`/notices/${id}$`));
    const listed = await bench.call(auditor, { method: 'GET', url: '/api/orders?status=active&q=gambling' });
    expect(listed.json().orders.map((o: { id: number }) => o.id)).toEqual([id]);
    const trail = await bench.call(auditor, { method: 'GET', url: `/api/audit?object=order/${id}` });
    expect(
      trail.json().entries.map((e: { actor: string; action: string }) => `${e.actor} ${e.action}`),
    ).toEqual(['olga order.create', 'olga order.submit', 'judge order.approve']);
  });

  test.each([
    ['an unknown field', { ...order(Date.UTC(2026, 0, 1)), colour: 'red' }, 'GH_ERR_API_VALIDATION'],
    ['no legal basis', { ...order(Date.UTC(2026, 0, 1)), legalBasis: {} }, 'GH_ERR_ORDER_INVALID'],
  ])('refuses %s', async (_, payload, code) => {
    const res = await bench.call(olga, { method: 'POST', url: '/api/orders', payload });
    expect([res.statusCode, res.json().code]).toEqual([400, code]);
  });
});

describe('lists', () => {
  test('previews an upload, saves it as a version, diffs versions', async () => {
    const list = (
      await bench.call(olga, {
        method: 'POST',
        url: '/api/lists',
        payload: { name: 'feed', format: 'domains' },
      })
    ).json().list;
    const url = `/api/lists/${list.id}/versions`;
    const preview = await bench.call(olga, {
      method: 'POST',
      url,
      payload: { body: 'a.example\nb.example\nbad..name\n', dryRun: true },
    });
    expect(preview.statusCode).toBe(200);
    expect(preview.json().preview).toMatchObject({ added: ['=a.example', '=b.example'], removed: [] });
    expect(preview.json().preview.errors[0].line).toBe(3);
    expect(
      (await bench.call(olga, { method: 'GET', url: `/api/lists/${list.id}/versions` })).json().versions,
    ).toEqual([]);
    expect(
      (await bench.call(olga, { method: 'POST', url, payload: { body: 'a.example\nb.example\n' } }))
        .statusCode,
    ).toBe(201);
    const v2 = await bench.call(olga, { method: 'POST', url, payload: { body: 'b.example\nc.example\n' } });
    expect(v2.json().diff).toEqual({ added: ['=c.example'], removed: ['=a.example'] });
    const diff = await bench.call(auditor, { method: 'GET', url: `/api/lists/${list.id}/diff?a=1&b=2` });
    expect(diff.json()).toEqual({ added: ['=c.example'], removed: ['=a.example'] });
  });
});

describe('audit', () => {
  test('verifies the chain and shows the head', async () => {
    expect((await bench.call(auditor, { method: 'GET', url: '/api/audit/verify' })).json().ok).toBe(true);
    const head = (await bench.call(auditor, { method: 'GET', url: '/api/audit/head' })).json();
    expect(head).toMatchObject({ signed: null });
    expect(head.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('metrics series has the contract shape', async () => {
    await bench.ctx.series.sample();
    bench.advance(10_000);
    await bench.ctx.series.sample();
    const res = (await bench.call(auditor, { method: 'GET', url: '/api/metrics/series?minutes=60' })).json();
    expect(res.step).toBe(10);
    expect(Object.keys(res.series).sort()).toEqual([
      'blocked',
      'cacheHitRatio',
      'connections',
      'queries',
      'recordsDropped',
      'recordsSpooled',
      'throttled',
      'upstreamLatencyMs',
    ]);
    expect(res.series.queries).toEqual([0]);
  });
});

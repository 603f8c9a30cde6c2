import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { memoryStore, portalApp, type SeededOrders, seedOrders } from '../../test/helpers/portal.js';
import { compilePolicy } from '../policy/compile.js';
import type { Store } from '../store/types.js';
import { escapeHtml } from './notice.js';
import type { PortalOptions } from './plugin.js';
import { portalNotFound, portalPlugin } from './plugin.js';

let store: Store;
let orders: SeededOrders;
let app: FastifyInstance;
const EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>&amp;';

beforeEach(async () => {
  store = await memoryStore();
  orders = await seedOrders(store, { title: EVIL, decisionRef: `ref ${EVIL}` });
});
afterEach(async () => {
  await app?.close();
  await store.close();
});

const open = async (opts: Partial<PortalOptions> = {}) => {
  app = await portalApp(store, opts);
  return app;
};

describe('every page', () => {
  const paths = (o: SeededOrders) =>
    [
      ['/', 200],
      [`/orders/${o.active.id}`, 200],
      [`/notices/${o.active.id}`, 200],
      [`/appeals/new?order=${o.active.id}`, 200],
      ['/appeals/new', 200],
      ['/transparency', 200],
      ['/transparency.csv', 200],
      ['/transparency.json', 200],
      ['/favicon.ico', 204],
      ['/no/such/page', 404],
      [`/orders/${o.hidden.id}`, 404],
      ['/appeals/aaaa-aaaa-aaaa-aaaa-aaaa-aaaa', 404],
    ] as const;

  test('carries the security headers', async () => {
    await open();
    for (const [path, status] of paths(orders)) {
      const res = await app.inject(path);
      expect([path, res.statusCode]).toEqual([path, status]);
      expect(res.headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-/);
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['content-security-policy']).not.toMatch(/script-src|unsafe-inline/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  test('HTML pages are accessible and script-free, and escape hostile values', async () => {
    await open();
    for (const [path] of paths(orders)) {
      const res = await app.inject(path);
      if (!String(res.headers['content-type']).startsWith('text/html')) continue;
      expect(res.body).toContain('<html lang="en">');
      expect(res.body).toContain('<a class="skip" href="#main">');
      expect(res.body).toMatch(/<h1>/);
      expect(res.body).toContain('name="viewport"');
      expect(res.body).not.toMatch(/<script|<img/i);
    }
  });
});

describe('the register', () => {
  test('lists public orders in force and past, never drafts or non-public ones', async () => {
    await open({
      hits: async () => new Map([[orders.active.id, { dns: 5, http: 2, tls: 1, throttled: 9 }]]),
    });
    const body = (await app.inject('/')).body;
    const inForce = body.slice(body.indexOf('id="in-force"'), body.indexOf('id="past"'));
    const past = body.slice(body.indexOf('id="past"'));
    expect(inForce).toContain(`href="/orders/${orders.active.id}"`);
    expect(inForce).toContain(escapeHtml(EVIL));
    expect(inForce).toContain('District Court');
    expect(inForce).toContain('Act 12/2020, art. 7');
    expect(inForce).toContain('<td>8</td>');
    expect(past).toContain(`href="/orders/${orders.revoked.id}"`);
    expect(past).toContain('<td>revoked</td>');
    expect(body).not.toContain('Not public');
    expect(body).not.toContain('Draft order');
  });

  test('says n/a for block counts when no counter is wired, and when it fails', async () => {
    await open({ hits: async () => Promise.reject(new Error('metrics down')) });
    expect((await app.inject('/')).body).toContain('<span class="muted">n/a</span>');
  });
});

describe('an order', () => {
  test('shows the order in full with its notice and appeal links', async () => {
    await open();
    const res = await app.inject(`/orders/${orders.active.id}`);
    for (const text of [
      'Throttle to 1,000 bytes per second',
      'ISPs: isp-a, isp-b',
      `ref ${escapeHtml(EVIL)}`,
      `href="/notices/${orders.active.id}"`,
      `href="/appeals/new?order=${orders.active.id}"`,
      'href="mailto:appeals@court.example"',
      '4 own, 0 attached list(s)',
    ]) {
      expect(res.body).toContain(text);
    }
  });

  test('a past order has no appeal link', async () => {
    await open();
    const res = await app.inject(`/orders/${orders.revoked.id}`);
    expect(res.body).toContain('pending-approval → active');
    expect(res.body).not.toContain('/appeals/new?order=');
  });

  test.each([
    ['non-public', (o: SeededOrders) => o.hidden.id],
    ['draft', (o: SeededOrders) => o.draft.id],
    ['unknown', () => 999],
    ['non-numeric', () => 'abc'],
    ['too long', () => '1'.repeat(20)],
  ])('a %s order is 404', async (_, id) => {
    await open();
    const res = await app.inject(`/orders/${id(orders)}`);
    expect(res.statusCode).toBe(404);
    expect(res.headers['x-error-code']).toMatch(/^GH_ERR_(ORDER|API)_NOT_FOUND$/);
  });
});

describe('a notice', () => {
  test('as JSON carries the proxy notice fields and whether it is in force', async () => {
    await open();
    const res = await app.inject({
      url: `/notices/${orders.active.id}`,
      headers: { accept: 'application/json' },
    });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers.vary).toContain('accept');
    expect(res.json()).toMatchObject({
      status: 451,
      order: { id: orders.active.id, title: EVIL },
      authority: { name: 'District Court', kind: 'court' },
      noticeUrl: `https://gatehouse.example/notices/${orders.active.id}`,
      inForce: true,
    });
  });

  test('of a past order says so', async () => {
    await open();
    const res = await app.inject({
      url: `/notices/${orders.revoked.id}`,
      headers: { accept: 'application/json' },
    });
    expect(res.json()).toMatchObject({ inForce: false });
    expect((await app.inject(`/notices/${orders.revoked.id}`)).body).toContain('not in force now');
  });

  test('of an order only the compiled policy knows comes from it', async () => {
    const active = await store.orders.require(orders.active.id);
    const policy = compilePolicy(
      [{ order: { ...active, id: 4242, title: 'compiled only' }, rules: [] }],
      Date.now(),
    );
    await open({ currentOrders: () => policy.orders });
    const res = await app.inject('/notices/4242');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('compiled only');
  });

  test('of a non-public order is 404, as problem+json when JSON was asked for', async () => {
    await open();
    const res = await app.inject({
      url: `/notices/${orders.hidden.id}`,
      headers: { accept: 'application/json' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 404, code: 'GH_ERR_ORDER_NOT_FOUND' });
  });
});

describe('the transparency report', () => {
  const providers: Partial<PortalOptions> = {
    monthly: async () => [
      { month: '2026-10', blocks: 1200, throttles: 30 },
      { month: 'bogus', blocks: 1, throttles: 1 },
    ],
    warrantStats: async () => [{ month: '2026-11', requested: 4, approved: 3, refused: 1, notified: 2 }],
    signedHead: async () => ({ seq: 7, hash: 'ab'.repeat(32), signature: 'c2ln', publicKey: 'a2V5' }),
  };

  test('has the same figures as a page, CSV and JSON', async () => {
    await open({ ...providers, clock: () => Date.UTC(2026, 10, 28) });
    const json = (await app.inject('/transparency.json')).json();
    expect(json.months.map((m: { month: string }) => m.month)).toEqual(['2026-11', '2026-10']);
    expect(json.months[1]).toMatchObject({ blocks: 1200, throttles: 30, warrantsRequested: 0 });
    expect(json.months[0]).toMatchObject({ ordersIssued: 3, warrantsApproved: 3, blocks: 0 });
    expect(json.auditHead).toEqual({
      seq: 7,
      hash: 'ab'.repeat(32),
      signed: true,
      signature: 'c2ln',
      publicKey: 'a2V5',
    });
    const csv = (await app.inject('/transparency.csv')).body.split('\r\n');
    expect(csv[0]).toBe(
      'month,orders_issued,orders_in_force,blocks,throttles,warrants_requested,warrants_approved,warrants_refused,warrants_notified',
    );
    expect(csv[1]).toMatch(/^2026-11,3,[23],0,0,4,3,1,2$/);
    expect(csv[2]).toBe('2026-10,0,0,1200,30,0,0,0,0');
    const html = (await app.inject('/transparency')).body;
    expect(html).toContain(`<code id="audit-head">${'ab'.repeat(32)}</code>`);
    expect(html).toContain('<th scope="row">2026-10</th><td>0</td><td>0</td><td>1200</td>');
  });

  test('without providers shows the store head unsigned and n/a for what it cannot know', async () => {
    await open();
    const json = (await app.inject('/transparency.json')).json();
    const head = await store.audit.head();
    expect(json.auditHead).toMatchObject({ seq: head.seq, hash: head.hash, signed: false });
    expect(json.months[0]).toMatchObject({ blocks: null, warrantsRequested: null });
    expect((await app.inject('/transparency.csv')).body.split('\r\n')[1]).toMatch(
      /^\d{4}-\d{2},3,[23],,,,,,$/,
    );
  });
});

test('leaves a neighbouring API context and its 404 handler alone', async () => {
  app = Fastify();
  await app.register(
    async (api) => {
      api.setNotFoundHandler((_req, reply) => reply.code(404).send({ code: 'API' }));
      api.post('/thing', async (req) => ({ got: req.body }));
    },
    { prefix: '/api' },
  );
  await app.register(portalPlugin, { store, operatorUrl: 'https://g.example' });
  const form = await app.inject({
    method: 'POST',
    url: '/api/thing',
    payload: 'a=1',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(form.statusCode).toBe(415);
  expect(form.headers['content-security-policy']).toBeUndefined();
  expect((await app.inject('/api/nope')).json()).toEqual({ code: 'API' });
  expect((await app.inject('/nope')).headers['x-error-code']).toBe('GH_ERR_API_NOT_FOUND');
});

test('yields to a not-found handler the host app already set, and lends it the portal page', async () => {
  app = Fastify();
  app.setNotFoundHandler((req, reply) =>
    req.url.startsWith('/api/') ? reply.code(404).send({ code: 'API' }) : portalNotFound(req, reply),
  );
  await app.register(formbody);
  await app.register(portalPlugin, { store, operatorUrl: 'https://g.example' });
  expect((await app.inject('/')).statusCode).toBe(200);
  expect((await app.inject('/api/x')).json()).toEqual({ code: 'API' });
  const page = await app.inject('/nope');
  expect([page.statusCode, page.headers['x-error-code']]).toEqual([404, 'GH_ERR_API_NOT_FOUND']);
  expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
});

test('a store failure is a 5xx page that says nothing of the cause', async () => {
  await open();
  await store.close();
  const res = await app.inject('/');
  expect(res.statusCode).toBeGreaterThanOrEqual(500);
  expect(res.body).not.toMatch(/sqlite|database|connection/i);
  expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  store = await memoryStore();
});

import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  formToken,
  memoryStore,
  portalApp,
  type SeededOrders,
  seedOrders,
} from '../../test/helpers/portal.js';
import { APPEAL_LIMITS } from '../store/appeals.js';
import type { Store } from '../store/types.js';
import type { PortalOptions } from './plugin.js';

let store: Store;
let orders: SeededOrders;
let app: FastifyInstance;
let now: number;
const CONTACT = 'owner@bakery.example';

beforeEach(async () => {
  now = Date.now();
  store = await memoryStore();
  orders = await seedOrders(store);
  app = await portalApp(store, { clock: () => now });
});
afterEach(async () => {
  await app.close();
  await store.close();
});

const reopen = async (opts: Partial<PortalOptions>) => {
  await app.close();
  app = await portalApp(store, { clock: () => now, ...opts });
};

async function token(): Promise<string> {
  return formToken((await app.inject(`/appeals/new?order=${orders.active.id}`)).body);
}

type Fields = Record<string, string>;

async function post(fields: Fields, headers: Record<string, string> = {}, remoteAddress = '192.0.2.1') {
  return app.inject({
    method: 'POST',
    url: '/appeals',
    remoteAddress,
    payload: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
}

async function valid(over: Fields = {}): Promise<Fields> {
  return {
    token: await token(),
    order: String(orders.active.id),
    appellant: 'site-owner',
    contact: CONTACT,
    grounds: 'My bakery is not a casino.',
    website: '',
    ...over,
  };
}

describe('the form', () => {
  test('names the order, labels every field and carries a token and a honeypot', async () => {
    const res = await app.inject(`/appeals/new?order=${orders.active.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    for (const text of [
      `<input type="hidden" name="order" value="${orders.active.id}">`,
      '<label for="grounds">',
      '<label for="contact">',
      '<legend>Who are you?</legend>',
      `maxlength="${APPEAL_LIMITS.grounds}"`,
      'name="website"',
      'action="/appeals"',
    ]) {
      expect(res.body).toContain(text);
    }
    expect(formToken(res.body)).toMatch(/\./);
  });

  test('without an order offers the orders that can be appealed', async () => {
    const res = await app.inject('/appeals/new');
    expect(res.body).toContain(`<option value="${orders.active.id}">`);
    expect(res.body).not.toContain(`<option value="${orders.revoked.id}">`);
    expect(res.body).not.toContain(`<option value="${orders.hidden.id}">`);
  });

  test.each([
    ['unknown', () => '999'],
    ['non-public', () => String(orders.hidden.id)],
    ['past', () => String(orders.revoked.id)],
    ['draft', () => String(orders.draft.id)],
    ['malformed', () => '1 OR 1=1'],
  ])('for a %s order is 404', async (_, id) => {
    const res = await app.inject(`/appeals/new?order=${encodeURIComponent(id())}`);
    expect(res.statusCode).toBe(404);
    expect(res.headers['x-error-code']).toBe('GH_ERR_ORDER_NOT_FOUND');
  });
});

describe('filing', () => {
  test('answers 303 to an unguessable status page that shows the outcome, never the contact', async () => {
    const res = await post(await valid());
    expect(res.statusCode).toBe(303);
    const location = String(res.headers.location);
    expect(location).toMatch(/^\/appeals\/(?:[a-z2-7]{4}-){5}[a-z2-7]{4}$/);
    const filed = await app.inject(location);
    expect(filed.statusCode).toBe(200);
    expect(filed.headers['x-robots-tag']).toBe('noindex');
    expect(filed.body).toContain('<dd id="status">Filed, awaiting a decision</dd>');
    expect(filed.body).not.toContain(CONTACT);
    expect(filed.body).not.toContain('My bakery');
    const ref = location.split('/').pop() as string;
    await store.appeals.decide(ref, { outcome: 'upheld', reason: 'Listed <by> mistake' }, 'judge');
    const decided = await app.inject(location);
    expect(decided.body).toContain('Upheld: the appeal succeeded');
    expect(decided.body).toContain('Listed &#60;by&#62; mistake');
    expect(decided.body).not.toContain(CONTACT);
    expect(decided.body).not.toContain('judge');
  });

  test('is audited as the public, without the contact', async () => {
    await post(await valid());
    const [entry] = await store.audit.entries({ action: 'appeal.file', limit: 10 });
    expect(entry).toMatchObject({ actor: 'public', details: { order: orders.active.id, contact: true } });
    expect(JSON.stringify(entry)).not.toContain(CONTACT);
  });

  test.each<[string, Fields, number, string]>([
    ['missing grounds', { grounds: '' }, 400, 'GH_ERR_APPEAL_INVALID'],
    ['blank grounds', { grounds: '   ' }, 400, 'GH_ERR_APPEAL_INVALID'],
    [
      'grounds over the limit',
      { grounds: 'x'.repeat(APPEAL_LIMITS.grounds + 1) },
      400,
      'GH_ERR_APPEAL_INVALID',
    ],
    ['a missing appellant', { appellant: '' }, 400, 'GH_ERR_APPEAL_INVALID'],
    ['an unknown appellant', { appellant: 'judge' }, 400, 'GH_ERR_APPEAL_INVALID'],
    ['a contact that is not an e-mail', { contact: 'ring me' }, 400, 'GH_ERR_APPEAL_INVALID'],
    ['an over-long contact', { contact: `${'a'.repeat(250)}@x.example` }, 400, 'GH_ERR_APPEAL_INVALID'],
    ['a missing order', { order: '' }, 400, 'GH_ERR_APPEAL_INVALID'],
    ['an unknown order', { order: '999' }, 404, 'GH_ERR_ORDER_NOT_FOUND'],
    ['a non-public order', { order: 'HIDDEN' }, 404, 'GH_ERR_ORDER_NOT_FOUND'],
    ['a past order', { order: 'REVOKED' }, 404, 'GH_ERR_ORDER_NOT_FOUND'],
    ['a malformed order', { order: '1e3' }, 404, 'GH_ERR_ORDER_NOT_FOUND'],
  ])('refuses %s', async (_, over, status, code) => {
    const ids: Fields = { HIDDEN: String(orders.hidden.id), REVOKED: String(orders.revoked.id) };
    const fields = await valid(over);
    fields.order = ids[fields.order] ?? fields.order;
    const res = await post(fields);
    expect([res.statusCode, res.headers['x-error-code']]).toEqual([status, code]);
    expect(await store.appeals.list()).toEqual([]);
  });

  test('shows the form again with what was typed, escaped, and a fresh token', async () => {
    const fields = await valid({ appellant: 'nobody', grounds: '</textarea><b>keep me</b>' });
    const res = await post(fields);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('role="alert"');
    expect(res.body).toContain('&#60;/textarea&#62;&#60;b&#62;keep me&#60;/b&#62;</textarea>');
    expect(formToken(res.body)).not.toBe(fields.token);
    const again = await post({ ...fields, appellant: 'user', token: formToken(res.body) });
    expect(again.statusCode).toBe(303);
  });

  test.each<[string, (t: string) => { body?: string; headers?: Record<string, string> }, number, string]>([
    [
      'an oversized body',
      () => ({ body: `grounds=${'x'.repeat(70_000)}` }),
      413,
      'GH_ERR_API_BODY_TOO_LARGE',
    ],
    [
      'JSON instead of a form',
      (t) => ({ body: JSON.stringify({ token: t }), headers: { 'content-type': 'application/json' } }),
      415,
      'GH_ERR_API_MEDIA_TYPE',
    ],
    [
      'text instead of a form',
      () => ({ body: 'hello', headers: { 'content-type': 'text/plain' } }),
      415,
      'GH_ERR_API_MEDIA_TYPE',
    ],
  ])('refuses %s', async (_, make, status, code) => {
    const { body, headers } = make(await token());
    const res = await app.inject({
      method: 'POST',
      url: '/appeals',
      payload: body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
    expect([res.statusCode, res.headers['x-error-code']]).toEqual([status, code]);
  });
});

describe('forgery protection', () => {
  test.each<[string, (f: Fields) => Fields, Record<string, string>]>([
    ['no token', (f) => ({ ...f, token: '' }), {}],
    ['a forged token', (f) => ({ ...f, token: `${f.token.slice(0, 33)}${'A'.repeat(43)}` }), {}],
    ['a malformed token', (f) => ({ ...f, token: 'x.y' }), {}],
    ['a filled honeypot', (f) => ({ ...f, website: 'http://spam.example' }), {}],
    ['another origin', (f) => f, { origin: 'https://evil.example' }],
    ['an opaque origin', (f) => f, { origin: 'null' }],
    ['a cross-site fetch', (f) => f, { 'sec-fetch-site': 'cross-site' }],
  ])('refuses %s with 403', async (_, change, headers) => {
    const res = await post(change(await valid()), headers);
    expect([res.statusCode, res.headers['x-error-code']]).toEqual([403, 'GH_ERR_PORTAL_FORM']);
    expect(await store.appeals.list()).toEqual([]);
  });

  test.each([['https://gatehouse.example'], ['http://localhost:80']])('accepts origin %s', async (origin) => {
    const res = await post(await valid(), { origin, host: 'localhost:80' });
    expect(res.statusCode).toBe(303);
  });

  test('spends a token once', async () => {
    const fields = await valid();
    expect((await post(fields)).statusCode).toBe(303);
    expect((await post(fields)).headers['x-error-code']).toBe('GH_ERR_PORTAL_FORM');
  });

  test('refuses a token older than two hours', async () => {
    const fields = await valid();
    now += 2 * 3_600_000 + 1;
    expect((await post(fields)).headers['x-error-code']).toBe('GH_ERR_PORTAL_FORM');
  });

  test('refuses a token another portal instance signed', async () => {
    const fields = await valid();
    await reopen({});
    expect((await post(fields)).headers['x-error-code']).toBe('GH_ERR_PORTAL_FORM');
  });
});

describe('floods', () => {
  const limits = { perAddress: { burst: 3, perHour: 6 }, total: { burst: 5, perHour: 60 } };

  test('answer 429 with Retry-After once an address has used its burst, until it refills', async () => {
    await reopen({ appealLimits: limits });
    for (let i = 0; i < 3; i++) expect((await post(await valid())).statusCode).toBe(303);
    const flooded = await post(await valid());
    expect([flooded.statusCode, flooded.headers['x-error-code']]).toEqual([
      429,
      'GH_ERR_PORTAL_RATE_LIMITED',
    ]);
    expect(Number(flooded.headers['retry-after'])).toBeGreaterThan(0);
    expect((await post(await valid(), {}, '192.0.2.2')).statusCode).toBe(303);
    now += 10 * 60_000;
    expect((await post(await valid())).statusCode).toBe(303);
  });

  test('answer 429 to everyone once the total is spent', async () => {
    await reopen({ appealLimits: limits });
    for (let i = 0; i < 5; i++) await post(await valid(), {}, `198.51.100.${i}`);
    const res = await post(await valid(), {}, '198.51.100.99');
    expect(res.statusCode).toBe(429);
    expect(await store.appeals.list()).toHaveLength(5);
  });

  test('count refused attempts too', async () => {
    await reopen({ appealLimits: limits });
    for (let i = 0; i < 3; i++) expect((await post({ token: 'bad' })).statusCode).toBe(403);
    expect((await post(await valid())).statusCode).toBe(429);
  });
});

test.each([['nope'], ['aaaa-aaaa-aaaa-aaaa-aaaa-aaaa'], ['AAAA-AAAA-AAAA-AAAA-AAAA-AAAA']])(
  'an unknown appeal %s is 404',
  async (ref) => {
    const res = await app.inject(`/appeals/${ref}`);
    expect([res.statusCode, res.headers['x-error-code']]).toEqual([404, 'GH_ERR_APPEAL_NOT_FOUND']);
  },
);

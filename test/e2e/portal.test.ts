/**
 * The portal as a person uses it: a fastify app with the portal plugin on 127.0.0.1:0, and curl
 * reading the register, fetching the appeal form, posting it as a browser would (form encoding),
 * following the 303 to the appeal's page, and reading the status after a decision.
 */
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { portalPlugin } from '../../src/portal/plugin.js';
import type { Store } from '../../src/store/types.js';
import { formToken, memoryStore, type SeededOrders, seedOrders } from '../helpers/portal.js';

const run = promisify(execFile);
let store: Store;
let orders: SeededOrders;
let app: FastifyInstance;
let base: string;

async function curl(...args: string[]): Promise<string> {
  const { stdout } = await run('curl', ['-sS', '--max-time', '10', ...args]);
  return stdout;
}

beforeAll(async () => {
  store = await memoryStore();
  orders = await seedOrders(store);
  app = Fastify();
  await app.register(portalPlugin, { store, operatorUrl: 'http://127.0.0.1' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await store?.close();
});

test('the register lists the order with its notice and appeal links', async () => {
  const page = await curl(`${base}/`);
  expect(page).toContain(`href="/orders/${orders.active.id}"`);
  const order = await curl(`${base}/orders/${orders.active.id}`);
  expect(order).toContain(`href="/appeals/new?order=${orders.active.id}"`);
  const notice = JSON.parse(
    await curl('-H', 'accept: application/json', `${base}/notices/${orders.active.id}`),
  );
  expect(notice).toMatchObject({ status: 451, order: { id: orders.active.id }, inForce: true });
});

test('files an appeal with curl, follows the 303 and reads its status', async () => {
  const form = await curl(`${base}/appeals/new?order=${orders.active.id}`);
  const out = await curl(
    '-L',
    '-w',
    '\n%{http_code} %{url_effective} %{num_redirects}',
    '-H',
    `origin: ${base}`,
    '--data-urlencode',
    `token=${formToken(form)}`,
    '--data-urlencode',
    `order=${orders.active.id}`,
    '--data-urlencode',
    'appellant=site-owner',
    '--data-urlencode',
    'contact=owner@bakery.example',
    '--data-urlencode',
    'grounds=My bakery & café is not a casino <really>.',
    '--data-urlencode',
    'website=',
    `${base}/appeals`,
  );
  const [status, url, redirects] = out.slice(out.lastIndexOf('\n') + 1).split(' ');
  expect([status, redirects]).toEqual(['200', '1']);
  expect(url).toMatch(new RegExp(`^${base}/appeals/(?:[a-z2-7]{4}-){5}[a-z2-7]{4}$`));
  expect(out).toContain('Filed, awaiting a decision');
  expect(out).not.toContain('owner@bakery.example');

  const ref = url.split('/').pop() as string;
  const stored = await store.appeals.get(ref);
  expect(stored).toMatchObject({
    grounds: 'My bakery & café is not a casino <really>.',
    contact: 'owner@bakery.example',
  });
  await store.appeals.decide(
    ref,
    { outcome: 'rejected', reason: 'The order names the site correctly.' },
    'judge',
  );
  const decided = await curl(url);
  expect(decided).toContain('Rejected: the appeal did not succeed');
  expect(decided).toContain('The order names the site correctly.');
});

test('a replayed form is refused', async () => {
  const token = formToken(await curl(`${base}/appeals/new?order=${orders.active.id}`));
  const args = ['-o', '/dev/null', '-w', '%{http_code}', '--data-urlencode', `token=${token}`];
  const fields = ['--data-urlencode', `order=${orders.active.id}`, '--data-urlencode', 'appellant=user'];
  const first = await curl(...args, ...fields, '--data-urlencode', 'grounds=first', `${base}/appeals`);
  const again = await curl(...args, ...fields, '--data-urlencode', 'grounds=again', `${base}/appeals`);
  expect([first, again]).toEqual(['303', '403']);
});

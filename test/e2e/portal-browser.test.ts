/**
 * The portal in Debian's Chromium (playwright-core, no browser download), on a phone-sized screen:
 * the appeal form is filled in and posted as a person would, with the headers a real browser sends
 * (Fetch Metadata, and `Origin: null` from a `no-referrer` page), and no script is ever needed.
 * Screenshots go to artifacts/portal/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { portalPlugin } from '../../src/portal/plugin.js';
import type { Store } from '../../src/store/types.js';
import { memoryStore, type SeededOrders, seedOrders } from '../helpers/portal.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = 'artifacts/portal';

describe.skipIf(!existsSync(CHROMIUM))('the portal in Chromium', () => {
  let store: Store;
  let orders: SeededOrders;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    store = await memoryStore();
    orders = await seedOrders(store);
    app = Fastify();
    await app.register(portalPlugin, { store, operatorUrl: 'http://127.0.0.1' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    mkdirSync(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await store?.close();
  });

  test('files an appeal with JavaScript off and lands on its status page', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      javaScriptEnabled: false,
    });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    for (const [name, path] of [
      ['register', '/'],
      ['order', `/orders/${orders.active.id}`],
      ['transparency', '/transparency'],
      ['form', `/appeals/new?order=${orders.active.id}`],
    ]) {
      await page.goto(base + path);
      await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
    }
    // Keyboard first: the skip link is the first thing Tab reaches.
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').getAttribute('class')).toBe('skip');
    await page.check('input[value="site-owner"]');
    await page.fill('#grounds', 'My bakery is not a casino.');
    await page.fill('#contact', 'owner@bakery.example');
    await Promise.all([page.waitForURL(/\/appeals\/[a-z2-7-]{29}$/), page.click('button[type=submit]')]);
    expect(await page.textContent('#status')).toBe('Filed, awaiting a decision');
    expect(await page.content()).not.toContain('owner@bakery.example');
    await page.screenshot({ path: `${SHOTS}/appeal.png`, fullPage: true });
    expect(violations).toEqual([]);
    await context.close();
  });
});

/**
 * The operator console as people use it, in Debian's Chromium against the real `gatehouse start`:
 * the first admin signs in with the printed one-time password, sets a password, enrols TOTP and
 * creates an operator and an approver; the operator creates an order; the approver (a second person)
 * approves it; `dig` then gets EDE 16 within seconds; the public reads the notice and appeals; the
 * dashboard's charts move under load. Screenshots of the main pages go to artifacts/screenshots/.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthDns, startAuthDns } from '../fixtures/auth-dns.js';
import {
  client,
  createHome,
  type GatehouseHome,
  type RunningGateway,
  startGateway,
} from '../helpers/gateway.js';
import { launchBrowser, screenshot, type TestBrowser } from './browser.js';
import { createUser, firstSignIn, hasText, open, type Person, signIn, signOut } from './console-user.js';
import { firstAdmin } from './first-admin.js';
import { startLoad } from './load.js';

const WEB = resolve(import.meta.dirname, '../../web');
const BLOCKED = 'casino.example.test';
const TIMEOUT = 15_000;

let home: GatehouseHome;
let upstream: AuthDns;
let gw: RunningGateway;
let browser: TestBrowser;
let page: Page;
let base: string;
let orderId = 0;
const people: Record<string, Person> = {};
/** Uncaught exceptions in the console's pages: there must be none. */
const pageErrors: string[] = [];
let appealRef = '';

const dig = (name: string) =>
  client('dig', ['@127.0.0.1', '-p', String(gw.ports.udp), '+tries=1', '+time=3', name, 'A']);

beforeAll(async () => {
  // The console is served from web/dist; build it when a checkout has not (npm run build:web does).
  if (!existsSync(resolve(WEB, 'dist/index.html'))) {
    await promisify(execFile)('npx', ['vite', 'build', '--config', resolve(WEB, 'vite.config.ts')], {
      timeout: 120_000,
    });
  }
  home = createHome();
  upstream = await startAuthDns({ answerAll: '192.0.2.80', zones: {} });
  gw = await startGateway(home, ['--upstream', `127.0.0.1:${upstream.port}`, '--proxy', '127.0.0.1:0']);
  base = `http://127.0.0.1:${gw.ports.http}`;
  browser = await launchBrowser();
  page = browser.page;
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // The console runs under a same-origin CSP: anything it refuses is a bug (an inline script or style).
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  await upstream?.close();
  home?.cleanup();
});

describe('the operator console in Chromium', () => {
  it('first admin: one-time password, own password, TOTP enrolment, then creates the team', async () => {
    const admin = firstAdmin(gw.log);
    people.admin = { name: admin.name, password: admin.password };
    const recovery = await firstSignIn(page, base, people.admin, 'admin-password-0123');
    expect(recovery.length).toBeGreaterThan(0);
    for (const [name, roles] of [
      ['olga', ['operator']],
      ['jude', ['approver']],
    ] as const) {
      people[name] = { name, password: await createUser(page, name, roles) };
      expect(people[name].password.length).toBeGreaterThanOrEqual(12);
    }
    await screenshot(page, 'users');
    await signOut(page);
  }, 120_000);

  it('an operator creates an order that waits for a second person', async () => {
    await firstSignIn(page, base, people.olga, 'olga-password-0123');
    await open(page, 'Orders');
    await page.getByRole('link', { name: 'New order' }).click();
    await page.getByRole('heading', { name: 'New order' }).waitFor();
    await page.getByRole('textbox', { name: 'Title', exact: true }).fill('Unlicensed gambling');
    await page.getByRole('textbox', { name: 'Authority name', exact: true }).fill('Test District Court');
    await page.getByRole('combobox', { name: 'Kind of authority', exact: true }).selectOption('court');
    await page.getByRole('textbox', { name: 'Instrument', exact: true }).fill('Gambling Act');
    await page.getByRole('textbox', { name: 'Article', exact: true }).fill('§ 56');
    await page.getByRole('textbox', { name: 'Decision reference', exact: true }).fill('2-26-1234');
    await page
      .getByRole('textbox', { name: 'Notice text', exact: true })
      .fill('Blocked by court order 2-26-1234');
    await page
      .getByRole('textbox', { name: 'Appeal contacts', exact: true })
      .fill('mailto:appeals@court.example');
    await page.getByRole('textbox', { name: 'Targets', exact: true }).fill(BLOCKED);
    await screenshot(page, 'order-new');
    await page.getByRole('button', { name: 'Create order' }).click();
    const heading = page.getByRole('heading', { level: 1, name: /^Order \d+: Unlicensed gambling/ });
    await heading.waitFor({ timeout: TIMEOUT });
    orderId = Number(/Order (\d+)/.exec((await heading.textContent()) ?? '')?.[1]);
    expect(orderId).toBeGreaterThan(0);
    await heading.getByText('pending-approval').waitFor({ timeout: TIMEOUT });
    // The creator cannot approve their own order.
    expect(await page.getByRole('button', { name: 'Approve (second person)' }).isDisabled()).toBe(true);
    await signOut(page);
  }, 120_000);

  it('an approver approves it, and dig gets EDE 16 within seconds', async () => {
    await firstSignIn(page, base, people.jude, 'jude-password-0123');
    await open(page, 'Orders');
    const pending = page.getByRole('table', { name: 'Orders waiting for a second person' });
    await pending.getByRole('link', { name: 'Unlicensed gambling' }).click();
    await page.getByRole('button', { name: 'Approve (second person)' }).click();
    await page.getByRole('status').getByText(`Order ${orderId} is now active.`).waitFor({ timeout: TIMEOUT });
    const started = Date.now();
    let answer = '';
    while (Date.now() - started < 10_000) {
      answer = await dig(BLOCKED);
      if (/EDE: 16/.test(answer)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(answer).toMatch(/EDE: 16 \(Censored\)/);
    expect(answer).toContain('2-26-1234');
    await screenshot(page, 'order-detail');
  }, 120_000);

  it('suspending and activating again are acts of the second person too', async () => {
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: 'Suspend' }).click();
    await page
      .getByRole('status')
      .getByText(`Order ${orderId} is now suspended.`)
      .waitFor({ timeout: TIMEOUT });
    await page.getByRole('button', { name: 'Activate again' }).click();
    await page.getByRole('status').getByText(`Order ${orderId} is now active.`).waitFor({ timeout: TIMEOUT });
    await open(page, 'Orders');
    await screenshot(page, 'orders');
  }, 60_000);

  it('explains why the name is blocked', async () => {
    await open(page, 'Why is this blocked?');
    await page.getByRole('textbox', { name: 'Name, address or URL', exact: true }).fill(`www.${BLOCKED}`);
    await page.getByRole('button', { name: 'Explain' }).click();
    await page.getByRole('heading', { name: /Decision: block/ }).waitFor({ timeout: TIMEOUT });
    await hasText(page.getByTestId('explanation'), `order ${orderId}`);
    await screenshot(page, 'explain');
  }, 60_000);

  it('previews a list upload (added, errors by line) before saving the version', async () => {
    await signOut(page);
    await signIn(page, base, people.olga);
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor({ timeout: TIMEOUT });
    await open(page, 'Lists');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('malware-feed');
    await page.getByRole('combobox', { name: 'Format', exact: true }).selectOption('hosts');
    await page.getByRole('button', { name: 'Create list' }).click();
    await page
      .getByRole('heading', { level: 1, name: /List \d+: malware-feed/ })
      .waitFor({ timeout: TIMEOUT });
    await page.getByLabel('File').setInputFiles({
      name: 'feed.hosts',
      mimeType: 'text/plain',
      buffer: Buffer.from(
        '0.0.0.0 bad.example.test\n0.0.0.0 worse.example.test\nthis is not a hosts line at all\n',
      ),
    });
    await page.getByRole('button', { name: 'Preview changes' }).click();
    const preview = page.getByTestId('preview');
    await hasText(preview, 'Added: 2');
    await hasText(preview, '1 line not understood');
    await hasText(preview, 'invalid address "this"');
    await screenshot(page, 'lists');
    await page.getByRole('button', { name: 'Save this version' }).click();
    await page.getByText('Version saved.').waitFor({ timeout: TIMEOUT });
  }, 60_000);

  it('shows the audit log verified, with the acts just done', async () => {
    await signOut(page);
    await signIn(page, base, people.admin);
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor({ timeout: TIMEOUT });
    await open(page, 'Audit log');
    await hasText(page.getByTestId('audit-verify'), 'verifies');
    await hasText(page.getByRole('table', { name: 'Latest entries' }), 'jude');
    await screenshot(page, 'audit');
  }, 60_000);

  it('the public reads the notice and files an appeal on the portal', async () => {
    await page.goto(`${base}/notices/${orderId}`);
    await page.getByText('Unlicensed gambling').first().waitFor({ timeout: TIMEOUT });
    await page.getByText('2-26-1234').first().waitFor({ timeout: TIMEOUT });
    await page.getByRole('link', { name: 'File an appeal here' }).click();
    await page.waitForURL(new RegExp(`/appeals/new\\?order=${orderId}$`), { timeout: TIMEOUT });
    await page.getByText(`You are appealing against order ${orderId}`).waitFor({ timeout: TIMEOUT });
    await page.getByLabel('I own or run a blocked site').check();
    await page
      .getByRole('textbox', { name: /Why the order is wrong/ })
      .fill('My site is a licensed lottery, not a casino.');
    await page.getByRole('button', { name: 'File the appeal' }).click();
    // POST /appeals answers 303 to the appeal's own page, /appeals/REF.
    await page.waitForURL(/\/appeals\/(?!new)[^/?]+$/, { timeout: TIMEOUT }).catch(async (e: unknown) => {
      throw new Error(
        `no appeal page after filing (${String(e)}):\n${await page.locator('main').ariaSnapshot()}`,
      );
    });
    await page.getByRole('heading', { name: /^Appeal \S+$/ }).waitFor({ timeout: TIMEOUT });
    await hasText(page.locator('#status'), 'Filed');
    appealRef = /\/appeals\/([^/?]+)$/.exec(page.url())?.[1] ?? '';
    await screenshot(page, 'portal-appeal');
  }, 60_000);

  it('the appeal is decided in the console and its outcome is public', async () => {
    await page.goto(`${base}/console/#/appeals`);
    await page.getByRole('heading', { name: 'Appeals', level: 1 }).waitFor({ timeout: TIMEOUT });
    const row = page.getByRole('row').filter({ hasText: appealRef });
    await row.getByRole('button', { name: 'Decide' }).click();
    await page.getByRole('combobox', { name: 'Outcome', exact: true }).selectOption('rejected');
    await page.getByRole('textbox', { name: 'Reason (published)' }).fill('The court order names this site.');
    await page.getByRole('button', { name: 'Record decision' }).click();
    await row.getByText('rejected').waitFor({ timeout: TIMEOUT });
    await screenshot(page, 'appeals');
    await page.goto(`${base}/appeals/${appealRef}`);
    await hasText(page.locator('#status'), 'Rejected');
  }, 60_000);

  it('every page shows its data or a clear error, never a blank or a crash', async () => {
    await page.goto(`${base}/console/#/dashboard`);
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor({ timeout: TIMEOUT });
    // Keyboard: the first Tab reaches the skip link, Enter moves focus to the page.
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.locator('main:focus').count()).toBe(1);
    const pages: [string, string][] = [
      ['Subscribers', 'Subscribers'],
      ['Warrants', 'Warrants'],
      ['Live connections', 'Live connections'],
      ['Users', 'Users'],
      ['API tokens', 'API tokens'],
      ['Account', 'Account'],
    ];
    for (const [link, heading] of pages) {
      await open(page, link, heading);
      // Settled: no "Loading…" line left; either content or an alert with its GH_ERR_* code.
      await expect.poll(() => page.getByText(/^Loading /).count(), { timeout: TIMEOUT }).toBe(0);
      const alerts = await page.getByRole('alert').allTextContents();
      for (const a of alerts) expect(a).toMatch(/GH_ERR_[A-Z_]+|HTTP_\d+/);
    }
    await page.goto(`${base}/console/#/orders/999999`);
    await hasText(page.getByRole('alert'), 'GH_ERR_');
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('the dashboard charts move under a burst of queries', async () => {
    await page.goto(`${base}/console/#/dashboard`);
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor({ timeout: TIMEOUT });
    const chart = page.getByRole('figure', { name: 'Queries and connections' });
    await chart.waitFor({ timeout: TIMEOUT });
    const legend = page.getByRole('list', { name: 'Queries and connections, latest values' });
    const latest = async (): Promise<number> => {
      const m = /DNS queries: ([\d.]+)(k|M)?/.exec((await legend.textContent()) ?? '');
      return m ? Number(m[1]) * (m[2] === 'k' ? 1e3 : m[2] === 'M' ? 1e6 : 1) : 0;
    };
    const before = await chart.locator('svg').innerHTML();
    const stop = await startLoad(gw.ports.udp, BLOCKED);
    try {
      // The page refreshes itself every 10 s and the series has one point per 10 s: no reload here.
      await expect.poll(latest, { timeout: 45_000, interval: 1000 }).toBeGreaterThanOrEqual(20);
    } finally {
      expect(await stop()).toBeGreaterThan(0);
    }
    expect(await chart.locator('svg').innerHTML()).not.toBe(before);
    expect(await chart.locator('polyline').count()).toBeGreaterThan(0);
    await screenshot(page, 'dashboard');
  }, 90_000);

  it('collapses the navigation behind a button on a phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/console/#/orders`);
    const nav = page.getByRole('navigation', { name: 'Console' });
    await nav.waitFor({ state: 'hidden', timeout: TIMEOUT });
    await page.getByRole('button', { name: 'Menu' }).click();
    await nav.waitFor({ timeout: TIMEOUT });
    await nav.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor({ timeout: TIMEOUT });
    await nav.waitFor({ state: 'hidden', timeout: TIMEOUT });
    await screenshot(page, 'phone-audit');
    await page.setViewportSize({ width: 1280, height: 860 });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});

/**
 * What a person does in the console, as steps for browser tests: sign in, set their own password
 * after a one-time one, enrol an authenticator (codes computed by the test, RFC 6238), sign out.
 * Everything goes through labels and roles, as a keyboard or screen-reader user would find it.
 */
import type { Locator, Page } from 'playwright-core';
import { Totp } from './totp.js';

/** A console account as the test knows it. */
export interface Person {
  readonly name: string;
  password: string;
  totp?: Totp;
}

const TIMEOUT = 15_000;

/** Fills the sign-in form and submits it. */
export async function signIn(page: Page, base: string, who: Person): Promise<void> {
  await page.goto(`${base}/console/`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: TIMEOUT });
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(who.name);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(who.password);
  if (who.totp)
    await page
      .getByRole('textbox', { name: 'Authenticator code or recovery code', exact: true })
      .fill(await who.totp.next());
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * First sign-in with a one-time password: choose a password, enrol TOTP, keep the recovery codes.
 * Leaves the page on the dashboard; returns the recovery codes shown.
 */
export async function firstSignIn(
  page: Page,
  base: string,
  who: Person,
  newPassword: string,
): Promise<string[]> {
  await signIn(page, base, who);
  await page.getByRole('heading', { name: 'Choose your own password' }).waitFor({ timeout: TIMEOUT });
  await page.getByRole('textbox', { name: 'One-time password', exact: true }).fill(who.password);
  await page.getByRole('textbox', { name: 'New password', exact: true }).fill(newPassword);
  await page.getByRole('textbox', { name: 'New password again', exact: true }).fill(newPassword);
  await page.getByRole('button', { name: 'Change password' }).click();
  who.password = newPassword;
  await page.getByRole('heading', { name: 'Enrol an authenticator' }).waitFor({ timeout: TIMEOUT });
  await page.getByRole('button', { name: 'Start enrolment' }).click();
  const secret = (await page.getByTestId('totp-secret').textContent({ timeout: TIMEOUT }))?.trim() ?? '';
  const url = (await page.getByTestId('otpauth-url').textContent())?.trim() ?? '';
  if (!url.startsWith('otpauth://totp/')) throw new Error(`enrolment showed no otpauth URL: ${url}`);
  const period = Number(new URL(url).searchParams.get('period') ?? 30);
  who.totp = new Totp(secret, period);
  await page.getByRole('textbox', { name: 'Code shown by the app', exact: true }).fill(await who.totp.next());
  await page.getByRole('button', { name: 'Confirm' }).click();
  const codes = page.getByTestId('recovery-codes').locator('code');
  await codes.first().waitFor({ timeout: TIMEOUT });
  const recovery = (await codes.allTextContents()).map((c) => c.trim());
  await page.getByRole('button', { name: 'I have kept them, continue' }).click();
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor({ timeout: TIMEOUT });
  return recovery;
}

/** Signs out and waits for the sign-in page. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: TIMEOUT });
}

/** Goes to a console page through the navigation, as a user would. */
export async function open(page: Page, link: string, heading: string | RegExp = link): Promise<void> {
  const menu = page.getByRole('button', { name: 'Menu' });
  if (await menu.isVisible()) await menu.click();
  await page
    .getByRole('navigation', { name: 'Console' })
    .getByRole('link', { name: link, exact: true })
    .click();
  await page.getByRole('heading', { name: heading, level: 1 }).first().waitFor({ timeout: TIMEOUT });
}

/** Creates a user on the Users page and returns the one-time password the console shows. */
export async function createUser(page: Page, name: string, roles: readonly string[]): Promise<string> {
  await open(page, 'Users');
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
  for (const role of ['admin', 'operator', 'approver', 'isp', 'auditor']) {
    await page.getByRole('checkbox', { name: role, exact: true }).setChecked(roles.includes(role));
  }
  await page.getByRole('button', { name: 'Create user' }).click();
  const otp = page.getByTestId('one-time-password');
  await page.getByRole('heading', { name: `User ${name} created` }).waitFor({ timeout: TIMEOUT });
  return ((await otp.textContent()) ?? '').trim();
}

/** Waits until `locator`'s text contains `text` (playwright's own expect is not vitest's). */
export async function hasText(locator: Locator, text: string, timeout = TIMEOUT): Promise<void> {
  const until = Date.now() + timeout;
  let seen = '';
  while (Date.now() < until) {
    seen = (await locator.textContent({ timeout }).catch(() => '')) ?? '';
    if (seen.includes(text)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`expected text ${JSON.stringify(text)}, saw ${JSON.stringify(seen.slice(0, 500))}`);
}

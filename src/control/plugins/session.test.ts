/** Sign-in, CSRF, rate limits, TOTP, recovery codes, tokens, problems and headers, in-process. */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { hashPassword } from '../password.js';
import { type Bench, cookiesOf, createBench, PASSWORD } from '../testing.js';
import { base32Decode, totp } from '../totp.js';

let bench: Bench;
beforeEach(async () => {
  bench = await createBench();
});
afterEach(() => bench.close());

describe('sign-in', () => {
  test('sets HttpOnly SameSite=Strict session and readable CSRF cookies', async () => {
    await bench.user('carol', ['auditor']);
    const res = await bench.signIn('carol', PASSWORD);
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({
      name: 'carol',
      roles: ['auditor'],
      mfa: 'none',
      mustChangePassword: false,
    });
    const session = res.cookies.find((c) => c.name === 'gh_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(res.cookies.find((c) => c.name === 'gh_csrf')!.httpOnly).toBeFalsy();
    expect(res.body).not.toMatch(/scrypt|passwordHash|totp/i);
  });

  test.each([
    ['a wrong password', 'carol', 'wrong password!'],
    ['an unknown name', 'nobody', PASSWORD],
  ])('refuses %s with 401 GH_ERR_AUTH_FAILED', async (_, name, password) => {
    await bench.user('carol', ['auditor']);
    const res = await bench.signIn(name, password);
    expect([res.statusCode, res.json().code]).toEqual([401, 'GH_ERR_AUTH_FAILED']);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  test('rate-limits failures per name with 429 and retry-after, then lets in after the window', async () => {
    await bench.user('carol', ['auditor']);
    for (let i = 0; i < 5; i++) expect((await bench.signIn('carol', 'wrong')).statusCode).toBe(401);
    const limited = await bench.signIn('carol', PASSWORD);
    expect([limited.statusCode, limited.json().code]).toEqual([429, 'GH_ERR_AUTH_RATE_LIMITED']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    bench.advance(15 * 60_000 + 1000);
    expect((await bench.signIn('carol', PASSWORD)).statusCode).toBe(200);
  });

  test('audits failed sign-ins of an account', async () => {
    await bench.user('carol', ['auditor']);
    await bench.signIn('carol', 'wrong');
    const entries = await bench.store.audit.entries({ limit: 100, action: 'account.sign-in-failed' });
    expect(entries.map((e) => e.object)).toEqual(['account/carol']);
  });
});

describe('second factor', () => {
  test('operators must enrol TOTP before acting', async () => {
    await bench.user('olga', ['operator'], { enrol: false });
    const res = await bench.signIn('olga', PASSWORD);
    const c = cookiesOf(res);
    const headers = { cookie: `gh_session=${c.gh_session}; gh_csrf=${c.gh_csrf}`, 'x-csrf-token': c.gh_csrf };
    expect(res.json().user.mfa).toBe('required');
    const orders = await bench.call(null, { method: 'GET', url: '/api/orders', headers });
    expect([orders.statusCode, orders.json().code]).toEqual([403, 'GH_ERR_AUTH_MFA_REQUIRED']);
    expect((await bench.call(null, { method: 'GET', url: '/api/session', headers })).statusCode).toBe(200);
  });

  test('needs the code, refuses a replayed one, and takes each recovery code once', async () => {
    const olga = await bench.user('olga', ['operator']);
    const key = base32Decode(olga.totpSecret!);
    const missing = await bench.signIn('olga', PASSWORD);
    expect([missing.statusCode, missing.json().totpRequired]).toEqual([401, true]);
    bench.advance(30_000);
    const code = totp(key, bench.now());
    expect((await bench.signIn('olga', PASSWORD, { totp: code })).statusCode).toBe(200);
    expect((await bench.signIn('olga', PASSWORD, { totp: code })).json().code).toBe('GH_ERR_AUTH_FAILED');
  });

  test('recovery codes are single use', async () => {
    const carol = await bench.user('carol', ['auditor'], { enrol: false });
    const start = await bench.call(carol, { method: 'POST', url: '/api/session/totp' });
    expect(start.json().otpauthUrl).toMatch(/^otpauth:\/\/totp\/Gatehouse:carol\?secret=/);
    const wrong = await bench.call(carol, {
      method: 'POST',
      url: '/api/session/totp/confirm',
      payload: { code: '000000' },
    });
    expect(wrong.json().code).toBe('GH_ERR_AUTH_TOTP');
    const code = totp(base32Decode(start.json().secret), bench.now());
    const done = await bench.call(carol, {
      method: 'POST',
      url: '/api/session/totp/confirm',
      payload: { code },
    });
    const [first] = done.json().recoveryCodes as string[];
    expect((await bench.signIn('carol', PASSWORD, { recoveryCode: first })).statusCode).toBe(200);
    expect((await bench.signIn('carol', PASSWORD, { recoveryCode: first })).statusCode).toBe(401);
  });
});

describe('CSRF and passwords', () => {
  test.each([
    ['no header', {}],
    ['a different header', { 'x-csrf-token': 'forged' }],
  ])('a cookie-authenticated change with %s is refused', async (_, extra) => {
    const carol = await bench.user('carol', ['auditor']);
    const headers = { cookie: carol.headers.cookie, ...extra };
    const res = await bench.call(null, {
      method: 'POST',
      url: '/api/tokens',
      headers,
      payload: { label: 'x', role: 'auditor' },
    });
    expect([res.statusCode, res.json().code]).toEqual([403, 'GH_ERR_AUTH_CSRF']);
  });

  test('a one-time password must be changed before acting', async () => {
    await bench.store.accounts.create(
      {
        name: 'dora',
        roles: ['auditor'],
        isp: null,
        passwordHash: await hashPassword('one-time-pass', { N: 1024, r: 8, p: 1 }),
      },
      'system',
    );
    const res = await bench.signIn('dora', 'one-time-pass');
    expect(res.json().user.mustChangePassword).toBe(true);
    const c = cookiesOf(res);
    const headers = { cookie: `gh_session=${c.gh_session}; gh_csrf=${c.gh_csrf}`, 'x-csrf-token': c.gh_csrf };
    expect((await bench.call(null, { method: 'GET', url: '/api/audit', headers })).json().code).toBe(
      'GH_ERR_AUTH_PASSWORD_CHANGE',
    );
    const weak = await bench.call(null, {
      method: 'POST',
      url: '/api/session/password',
      headers,
      payload: { current: 'one-time-pass', next: 'short' },
    });
    expect(weak.json().code).toBe('GH_ERR_AUTH_PASSWORD_WEAK');
    const ok = await bench.call(null, {
      method: 'POST',
      url: '/api/session/password',
      headers,
      payload: { current: 'one-time-pass', next: 'a much longer secret' },
    });
    expect(ok.statusCode).toBe(204);
    expect((await bench.call(null, { method: 'GET', url: '/api/audit', headers })).statusCode).toBe(200);
  });
});

describe('API tokens', () => {
  test('are shown once, scoped to a held role, usable without CSRF, and revocable', async () => {
    const carol = await bench.user('carol', ['auditor']);
    const notHeld = await bench.call(carol, {
      method: 'POST',
      url: '/api/tokens',
      payload: { label: 'ci', role: 'admin' },
    });
    expect(notHeld.json().code).toBe('GH_ERR_AUTH_FORBIDDEN');
    const made = await bench.call(carol, {
      method: 'POST',
      url: '/api/tokens',
      payload: { label: 'ci', role: 'auditor' },
    });
    expect(made.statusCode).toBe(201);
    const { secret, token } = made.json() as { secret: string; token: { id: string } };
    expect(secret).toMatch(/^gh_[A-Za-z0-9_-]{43}$/);
    const auth = { authorization: `Bearer ${secret}` };
    expect((await bench.call(null, { method: 'GET', url: '/api/audit', headers: auth })).statusCode).toBe(
      200,
    );
    const list = await bench.call(carol, { method: 'GET', url: '/api/tokens' });
    expect(list.body).not.toContain(secret);
    expect(list.json().tokens[0].lastUsedAt).not.toBeNull();
    expect((await bench.call(carol, { method: 'DELETE', url: `/api/tokens/${token.id}` })).statusCode).toBe(
      204,
    );
    expect((await bench.call(null, { method: 'GET', url: '/api/audit', headers: auth })).statusCode).toBe(
      401,
    );
  });
});

describe('problems and headers', () => {
  test.each([
    ['an unknown field', { name: 'x', password: 'y', admin: true }, 400, 'GH_ERR_API_VALIDATION'],
    ['a missing field', { name: 'x' }, 400, 'GH_ERR_API_VALIDATION'],
    ['malformed JSON', '{"name":', 400, 'GH_ERR_API_VALIDATION'],
    ['an oversized body', { name: 'x', password: 'y'.repeat(2 << 20) }, 413, 'GH_ERR_API_BODY_TOO_LARGE'],
  ])('%s is an RFC 9457 problem', async (_, payload, status, code) => {
    const res = await bench.call(null, {
      method: 'POST',
      url: '/api/session',
      payload,
      headers: { 'content-type': 'application/json' },
    });
    expect([res.statusCode, res.json().code]).toEqual([status, code]);
    expect(res.json()).toMatchObject({ type: `urn:gatehouse:error:${code}`, status });
    expect(res.body).not.toMatch(/\bat .*\.(js|ts):\d+/);
  });

  test('unknown routes are problems too', async () => {
    const res = await bench.call(null, { method: 'GET', url: '/api/nothing' });
    expect([res.statusCode, res.json().code]).toEqual([404, 'GH_ERR_API_NOT_FOUND']);
  });

  test.each(['/api/session', '/healthz', '/api/openapi.json', '/api/docs', '/console/', '/'])(
    '%s carries the security headers',
    async (url) => {
      const res = await bench.call(null, { method: 'GET', url });
      expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(res.headers['content-security-policy']).not.toMatch(/script-src[^;]*unsafe/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    },
  );

  test('cookies are Secure when configured for TLS', async () => {
    await bench.close();
    bench = await createBench({ settings: { secureCookies: true } });
    await bench.user('carol', ['auditor']);
    const res = await bench.signIn('carol', PASSWORD);
    expect(res.cookies.every((c) => c.secure)).toBe(true);
  });
});

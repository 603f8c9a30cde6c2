/**
 * The role walk: every registered route, with every role and anonymously, from a non-loopback
 * address. A route that declares roles answers 401 to the anonymous, 403 to the other roles, and
 * neither to its own; 'any' refuses only the anonymous; 'public' refuses nobody.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Role } from '../store/types.js';
import { ROLES } from './access.js';
import { type Bench, type Client, createBench } from './testing.js';

let bench: Bench;
const clients = new Map<Role, Client>();

beforeAll(async () => {
  bench = await createBench();
  for (const role of ROLES)
    clients.set(role, await bench.user(`u-${role}`, [role], role === 'isp' ? { isp: 'isp-a' } : {}));
});
afterAll(() => bench.close());

const ACCESS_CODES = [
  'GH_ERR_AUTH_REQUIRED',
  'GH_ERR_AUTH_FORBIDDEN',
  'GH_ERR_AUTH_MFA_REQUIRED',
  'GH_ERR_AUTH_CSRF',
];
const codeOf = (body: string) => {
  try {
    return String((JSON.parse(body) as { code?: unknown }).code);
  } catch {
    return '';
  }
};

const concrete = (url: string) =>
  url
    .replace(/:name/g, 'nobody')
    .replace(/:ref/g, 'X-1')
    .replace(/:[a-z]+/gi, '1')
    .replace(/\*$/, 'x');

describe('every route', () => {
  test('declares who may call it', () => {
    const bare = bench.routes.filter((r) => r.route.config?.roles === undefined);
    expect(bare.map((r) => `${r.method} ${r.url}`)).toEqual([]);
    expect(bench.routes.length).toBeGreaterThan(50);
  });

  test('answers every role as declared', async () => {
    const wrong: string[] = [];
    // Signing out ends the session: it goes last.
    const routes = [...bench.routes].sort(
      (a, b) =>
        Number(a.url === '/api/session' && a.method === 'DELETE') -
        Number(b.url === '/api/session' && b.method === 'DELETE'),
    );
    for (const r of routes) {
      const access = r.route.config!.roles!;
      const callers: [string, Client | null, boolean][] = [
        ['anonymous', null, access === 'public'],
        ...ROLES.map((role): [string, Client | null, boolean] => [
          role,
          clients.get(role)!,
          access === 'public' || access === 'any' || (access as readonly Role[]).includes(role),
        ]),
      ];
      for (const [who, client, allowed] of callers) {
        const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) ? { payload: {} } : {};
        const res = await bench.call(client, { method: r.method as 'GET', url: concrete(r.url), ...body });
        // Refused by the access layer (a route may still refuse for its own reasons: a portal form token).
        const refused = [401, 403].includes(res.statusCode) && ACCESS_CODES.includes(codeOf(res.body));
        const want = allowed ? 'allowed' : client === null ? 401 : 403;
        const ok = allowed ? !refused : res.statusCode === want;
        if (!ok) wrong.push(`${r.method} ${r.url} as ${who}: ${res.statusCode}, expected ${want}`);
        if (!allowed && client !== null && r.method !== 'HEAD')
          expect(res.json().code).toBe('GH_ERR_AUTH_FORBIDDEN');
      }
    }
    expect(wrong).toEqual([]);
  }, 60_000);
});

describe('the node-local routes', () => {
  test.each([
    ['GET', '/connections'],
    ['POST', '/connections/end?order=1'],
  ])('%s %s answer loopback without signing in, and refuse others', async (method, url) => {
    const local = await bench.app.inject({ method: method as 'GET', url, remoteAddress: '127.0.0.1' });
    expect([200, 409]).toContain(local.statusCode);
    const remote = await bench.call(null, { method: method as 'GET', url });
    expect(remote.statusCode).toBe(401);
  });
});

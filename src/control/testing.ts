/**
 * Test bench for the control plane: the app over an in-memory SQLite store, a policy feed, an
 * injected clock, and helpers that create accounts and sign them in (TOTP enrolled when the role
 * needs it). Used by the tests beside the plugins; `app.inject()` needs no socket.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { DEFAULT_CRIME_CATEGORIES } from '../config/sections/access.js';
import { KEY_ENV } from '../identity/subscribers/key.js';
import { openStore } from '../store/open.js';
import type { Role, Store } from '../store/types.js';
import type { Logger } from '../telemetry/logger.js';
import { createMetrics } from '../telemetry/metrics.js';
import { CSRF_COOKIE, SESSION_COOKIE } from './access.js';
import type { ControlContext, ControlSettings, NodeState } from './context.js';
import { hashPassword } from './password.js';
import { createPolicyFeed, type PolicyFeed } from './policy-feed.js';
import { createSignInLimiter } from './rate-limit.js';
import { createMetricsSeries } from './series.js';
import { buildControlApp, type RegisteredRoute } from './server.js';
import { base32Decode, totp } from './totp.js';

/** A signed-in client: cookies and CSRF header to send. */
export interface Client {
  readonly name: string;
  readonly headers: Record<string, string>;
  readonly totpSecret: string | null;
}

/** The bench. */
export interface Bench {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly feed: PolicyFeed;
  readonly routes: RegisteredRoute[];
  readonly ctx: ControlContext;
  /** The injected clock; move it with `advance`. */
  now(): number;
  advance(ms: number): void;
  /** Creates an account with `password` (no forced change), enrols TOTP when `enrol`, signs in. */
  user(name: string, roles: Role[], opts?: { isp?: string; enrol?: boolean }): Promise<Client>;
  signIn(name: string, password: string, extra?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** Injects as `client` (cookies, CSRF) or anonymously. */
  call(client: Client | null, opts: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export const PASSWORD = 'correct horse battery staple';

/** Cookie header from a response's Set-Cookie. */
export function cookiesOf(res: LightMyRequestResponse): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of res.cookies) out[c.name] = c.value;
  return out;
}

/** Builds a bench; `settings` and `node` override the defaults. */
export async function createBench(
  o: { settings?: Partial<ControlSettings>; node?: NodeState; logger?: Logger } = {},
): Promise<Bench> {
  let clock = Date.UTC(2026, 0, 1);
  const now = () => clock;
  const store = await openStore('sqlite::memory:', { clock: now });
  const feed = await createPolicyFeed({
    store,
    logger: pino({ level: 'silent' }),
    recompileMs: 3_600_000,
    pollMs: 3_600_000,
    now,
  });
  const metrics = createMetrics();
  const ctx: ControlContext = {
    store,
    feed,
    metrics,
    settings: {
      operatorUrl: 'http://127.0.0.1:8080',
      maxOrderDurationMs: 365 * 86_400_000,
      listErrorBudget: 100,
      bodyLimit: 1 << 20,
      uploadLimit: 4 << 20,
      sessionTtlMs: 12 * 3_600_000,
      sessionIdleMs: 30 * 60_000,
      secureCookies: false,
      dataDir: null,
      consoleDir: '/nonexistent',
      access: {
        crimeCategories: [...DEFAULT_CRIME_CATEGORIES],
        maxWindow: 90 * 86_400_000,
        urgentReviewHours: 24,
        notificationDeferralDays: 90,
        maxResults: 1_000_000,
      },
      // A fresh key per bench, from the environment: nothing is written to disk.
      identityKey: {
        keyFile: '/nonexistent/identity.key',
        env: { [KEY_ENV]: randomBytes(32).toString('hex') },
      },
      ...o.settings,
    },
    node: o.node ?? {},
    series: createMetricsSeries(metrics.registry, now),
    limiter: createSignInLimiter(now),
    clock: now,
  };
  const routes: RegisteredRoute[] = [];
  const app = await buildControlApp(ctx, {
    onRoute: (r) => routes.push(r),
    ...(o.logger ? { logger: o.logger } : {}),
  });
  await app.ready();
  const call = (client: Client | null, opts: InjectOptions) =>
    app.inject({
      remoteAddress: '192.0.2.10',
      ...opts,
      headers: { ...(client?.headers ?? {}), ...(opts.headers ?? {}) },
    });
  const signIn = (name: string, password: string, extra: Record<string, string> = {}) =>
    call(null, { method: 'POST', url: '/api/session', payload: { name, password, ...extra } });
  const clientOf = (name: string, res: LightMyRequestResponse, totpSecret: string | null): Client => {
    const c = cookiesOf(res);
    return {
      name,
      totpSecret,
      headers: {
        cookie: `${SESSION_COOKIE}=${c[SESSION_COOKIE]}; ${CSRF_COOKIE}=${c[CSRF_COOKIE]}`,
        'x-csrf-token': c[CSRF_COOKIE],
      },
    };
  };
  return {
    app,
    store,
    feed,
    routes,
    ctx,
    now,
    advance: (ms) => {
      clock += ms;
    },
    signIn,
    call,
    async user(name, roles, opts = {}) {
      const passwordHash = await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 });
      await store.accounts.create({ name, roles, isp: opts.isp ?? null, passwordHash }, 'system');
      await store.accounts.setPassword(name, passwordHash, false, 'system');
      let res = await signIn(name, PASSWORD);
      let client = clientOf(name, res, null);
      const enrol = opts.enrol ?? roles.some((r) => ['admin', 'operator', 'approver'].includes(r));
      if (!enrol) return client;
      const start = await call(client, { method: 'POST', url: '/api/session/totp' });
      const secret = (start.json() as { secret: string }).secret;
      const code = totp(base32Decode(secret), clock);
      await call(client, { method: 'POST', url: '/api/session/totp/confirm', payload: { code } });
      clock += 30_000;
      res = await signIn(name, PASSWORD, { totp: totp(base32Decode(secret), clock) });
      client = clientOf(name, res, secret);
      return client;
    },
    async close() {
      await app.close();
      feed.close();
      await store.close();
    },
  };
}

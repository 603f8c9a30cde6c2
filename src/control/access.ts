/**
 * Who may call what. Every route declares `config: { roles }`: `'public'`, `'any'` (any signed-in
 * user or token) or a list of roles. One `onRequest` hook (before the body is even parsed)
 * authenticates the request (session cookie or bearer token), enforces the declaration, CSRF on
 * cookie-authenticated changes, and the second factor of admin, operator and approver accounts.
 * A route registered without a declaration fails start-up: nothing is reachable by omission.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { GatehouseError } from '../core/errors.js';
import type { Account, Role } from '../store/types.js';
import type { ControlContext } from './context.js';

/** Who may call a route. */
export type Access = 'public' | 'any' | readonly Role[];

/** The authenticated caller. */
export interface Principal {
  readonly name: string;
  /** The account's roles, or the token's one role. */
  readonly roles: readonly Role[];
  readonly isp: string | null;
  readonly via: 'session' | 'token';
  readonly account: Account;
  /** SHA-256 of the session id (for sign-out and password change). */
  readonly sessionHash?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (required on every route). */
    roles?: Access;
    /** Reachable before TOTP enrolment and the first password change (the session routes). */
    setup?: boolean;
    /** Node-local: loopback clients may call it without signing in (the `gatehouse connections` CLI). */
    loopback?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Every role, for the route walk and schemas. */
export const ROLES: readonly Role[] = ['admin', 'operator', 'approver', 'isp', 'auditor'];
/** Roles that must enrol TOTP before acting (issue 6). */
export const MFA_ROLES: readonly Role[] = ['admin', 'operator', 'approver'];

export const SESSION_COOKIE = 'gh_session';
export const CSRF_COOKIE = 'gh_csrf';
const TOKEN_PREFIX = 'gh_';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** SHA-256 hex of a secret (session ids, API tokens, recovery codes are 32 random bytes). */
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A new random secret, base64url. */
export const randomSecret = (bytes = 32) => randomBytes(bytes).toString('base64url');

/** True when the account must enrol TOTP before acting. */
export const needsMfa = (a: Account) => !a.totpEnrolled && a.roles.some((r) => MFA_ROLES.includes(r));

const isLoopback = (address: string) =>
  address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Fails start-up on a route without a declaration. */
export function requireDeclarations(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.config?.roles === undefined) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no config.roles`);
    }
  });
}

async function bearer(req: FastifyRequest, ctx: ControlContext): Promise<Principal | null> {
  const header = req.headers.authorization;
  if (header === undefined) return null;
  const m = /^Bearer (gh_[A-Za-z0-9_-]{20,100})$/.exec(header);
  const token = m ? await ctx.store.accounts.tokenByHash(sha256(m[1])) : undefined;
  const account = token && (await ctx.store.accounts.get(token.name));
  // A token whose account lost the role it was scoped to stops working with it.
  if (!token || !account?.roles.includes(token.role)) {
    throw new GatehouseError('GH_ERR_AUTH_REQUIRED', 'the API token is unknown, revoked or no longer valid');
  }
  const now = ctx.clock();
  if (token.lastUsedAt === null || now - token.lastUsedAt > 60_000)
    await ctx.store.accounts.touchToken(token.id, now);
  return { name: account.name, roles: [token.role], isp: account.isp, via: 'token', account };
}

async function cookieSession(req: FastifyRequest, ctx: ControlContext): Promise<Principal | null> {
  const id = req.cookies[SESSION_COOKIE];
  if (id === undefined || id === '') return null;
  const hash = sha256(id);
  const session = await ctx.store.accounts.session(hash);
  const now = ctx.clock();
  if (!session) return null;
  if (now >= session.expiresAt || now - session.lastSeenAt > ctx.settings.sessionIdleMs) {
    await ctx.store.accounts.endSession(hash);
    return null;
  }
  const account = await ctx.store.accounts.get(session.name);
  if (!account) return null;
  // One write a minute at most, not one per request.
  if (now - session.lastSeenAt > 60_000) await ctx.store.accounts.touchSession(hash, now);
  return {
    name: account.name,
    roles: account.roles,
    isp: account.isp,
    via: 'session',
    account,
    sessionHash: hash,
  };
}

function checkCsrf(req: FastifyRequest): void {
  const cookie = req.cookies[CSRF_COOKIE] ?? '';
  const header = req.headers['x-csrf-token'];
  if (cookie === '' || typeof header !== 'string' || !safeEqual(cookie, header)) {
    throw new GatehouseError(
      'GH_ERR_AUTH_CSRF',
      'x-csrf-token header missing or not equal to the gh_csrf cookie',
    );
  }
}

/** The hook that enforces every route's declaration. */
export function accessHook(ctx: ControlContext) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const config = req.routeOptions.config;
    const roles = config?.roles;
    req.principal = null;
    if (roles === undefined) {
      // Only the 404 handler has no route options; anything else is refused.
      if (req.routeOptions.url === undefined) return;
      throw new GatehouseError('GH_ERR_AUTH_FORBIDDEN', 'route has no access declaration');
    }
    req.principal = (await bearer(req, ctx)) ?? (await cookieSession(req, ctx));
    if (roles === 'public') return;
    const p = req.principal;
    if (p === null) {
      if (config.loopback && isLoopback(req.socket.remoteAddress ?? '')) return;
      throw new GatehouseError('GH_ERR_AUTH_REQUIRED', 'sign in (POST /api/session) or send an API token');
    }
    if (p.via === 'session' && UNSAFE.has(req.method)) checkCsrf(req);
    if (roles !== 'any' && !p.roles.some((r) => roles.includes(r))) {
      throw new GatehouseError(
        'GH_ERR_AUTH_FORBIDDEN',
        `${req.method} ${req.routeOptions.url} needs one of the roles ${roles.join(', ')}`,
      );
    }
    if (config.setup) return;
    if (p.via === 'session' && p.account.mustChangePassword) {
      throw new GatehouseError(
        'GH_ERR_AUTH_PASSWORD_CHANGE',
        'set your own password first (POST /api/session/password)',
      );
    }
    if (p.via === 'session' && needsMfa(p.account)) {
      throw new GatehouseError('GH_ERR_AUTH_MFA_REQUIRED', 'enrol TOTP first (POST /api/session/totp)');
    }
  };
}

/** The token form handed out once: `gh_` and 32 random bytes. */
export const newApiToken = () => `${TOKEN_PREFIX}${randomSecret()}`;

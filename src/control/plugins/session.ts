/**
 * Sign-in and the signed-in user's own account: POST/GET/DELETE /api/session, password change,
 * TOTP enrolment (RFC 6238) with single-use recovery codes. Failed sign-ins are rate-limited per
 * name and per address (rate-limit.ts) and audited when the name is an account.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatehouseError } from '../../core/errors.js';
import { normaliseUserName } from '../../policy/lifecycle.js';
import { CSRF_COOKIE, randomSecret, SESSION_COOKIE, sha256 } from '../access.js';
import { accountView } from '../account-view.js';
import type { ControlContext, ControlPlugin } from '../context.js';
import { decoyHash, hashPassword, verifyPassword } from '../password.js';
import { closed, noContent, responses, str, userSchema } from '../schemas.js';
import { matchTotp, newTotpSecret, otpauthUrl } from '../totp.js';

const MIN_PASSWORD = 12;
const RECOVERY_CODES = 10;

type SignIn = { name: string; password: string; totp?: string; recoveryCode?: string };

/** A GatehouseError carrying problem members (retryAfter, totpRequired). */
const failure = (code: 'GH_ERR_AUTH_FAILED' | 'GH_ERR_AUTH_RATE_LIMITED', message: string, extra = {}) =>
  Object.assign(new GatehouseError(code, message), { extra });

function setCookies(req: FastifyRequest, reply: FastifyReply, ctx: ControlContext, id: string | null): void {
  const secure = ctx.settings.secureCookies || req.protocol === 'https';
  const maxAge = id === null ? 0 : Math.floor(ctx.settings.sessionTtlMs / 1000);
  const base = { path: '/', sameSite: 'strict' as const, secure, maxAge };
  reply.setCookie(SESSION_COOKIE, id ?? '', { ...base, httpOnly: true });
  // Readable by the console's script, which echoes it in x-csrf-token (double submit).
  reply.setCookie(CSRF_COOKIE, id === null ? '' : randomSecret(), { ...base, httpOnly: false });
}

async function secondFactor(
  ctx: ControlContext,
  name: string,
  secret: string,
  body: SignIn,
): Promise<boolean> {
  if (body.totp !== undefined) {
    const step = matchTotp(secret, body.totp, ctx.clock());
    // A code is good once: the same step again (a replayed or shoulder-surfed code) is refused.
    return step !== null && (await ctx.store.accounts.spendTotpStep(name, step));
  }
  if (body.recoveryCode !== undefined) {
    return ctx.store.accounts.spendRecoveryCode(name, sha256(body.recoveryCode.trim()));
  }
  throw failure('GH_ERR_AUTH_FAILED', 'this account needs its TOTP code (or a recovery code)', {
    totpRequired: true,
  });
}

async function signIn(ctx: ControlContext, req: FastifyRequest, reply: FastifyReply) {
  const body = req.body as SignIn;
  const address = req.socket.remoteAddress ?? '';
  let name: string;
  try {
    name = normaliseUserName(body.name);
  } catch {
    name = '';
  }
  const wait = ctx.limiter.retryAfter(name, address);
  if (wait > 0) {
    throw failure('GH_ERR_AUTH_RATE_LIMITED', `too many failed sign-ins; retry in ${wait} s`, {
      retryAfter: wait,
    });
  }
  const account = name === '' ? undefined : await ctx.store.accounts.secrets(name);
  // The decoy keeps the time of an unknown name close to that of a wrong password.
  const passwordOk = await verifyPassword(body.password, account?.passwordHash ?? (await decoyHash()));
  let ok = passwordOk && account !== undefined;
  if (ok && account?.totpSecret) ok = await secondFactor(ctx, name, account.totpSecret, body);
  if (!ok || account === undefined) {
    ctx.limiter.fail(name, address);
    if (account !== undefined) {
      const details = { address, stage: passwordOk ? 'second-factor' : 'password' };
      await ctx.store.audit.append({
        actor: 'system',
        action: 'account.sign-in-failed',
        object: `account/${name}`,
        details,
      });
    }
    throw failure('GH_ERR_AUTH_FAILED', 'wrong name, password or code');
  }
  ctx.limiter.succeed(name);
  const id = randomSecret();
  await ctx.store.accounts.createSession(sha256(id), name, ctx.clock() + ctx.settings.sessionTtlMs);
  await ctx.store.audit.append({
    actor: name,
    action: 'account.sign-in',
    object: `account/${name}`,
    details: { address },
  });
  setCookies(req, reply, ctx, id);
  return { user: accountView(account) };
}

const me = (req: FastifyRequest) => {
  const p = req.principal!;
  if (p.via !== 'session')
    throw new GatehouseError('GH_ERR_AUTH_FORBIDDEN', 'this needs a signed-in session, not a token');
  return p;
};

/** The session routes. */
export const sessionPlugin: ControlPlugin = async (app, ctx) => {
  const user = closed({ user: userSchema }, ['user']);
  app.post(
    '/session',
    {
      config: { roles: 'public' },
      schema: {
        tags: ['session'],
        body: closed(
          {
            name: { type: 'string', maxLength: 200 },
            password: { type: 'string', maxLength: 1024 },
            totp: { type: 'string', pattern: '^[0-9]{6}$' },
            recoveryCode: { type: 'string', maxLength: 100 },
          },
          ['name', 'password'],
        ),
        response: responses({ 200: user }),
      },
    },
    (req, reply) => signIn(ctx, req, reply),
  );
  app.get(
    '/session',
    {
      config: { roles: 'any', setup: true },
      schema: { tags: ['session'], response: responses({ 200: user }) },
    },
    async (req) => ({ user: accountView(req.principal!.account) }),
  );
  app.delete(
    '/session',
    {
      config: { roles: 'any', setup: true },
      schema: { tags: ['session'], response: responses({ 204: noContent }) },
    },
    async (req, reply) => {
      const p = me(req);
      if (p.sessionHash) await ctx.store.accounts.endSession(p.sessionHash);
      setCookies(req, reply, ctx, null);
      return reply.code(204).send();
    },
  );
  app.post(
    '/session/password',
    {
      config: { roles: 'any', setup: true },
      schema: {
        tags: ['session'],
        body: closed(
          { current: { type: 'string', maxLength: 1024 }, next: { type: 'string', maxLength: 1024 } },
          ['current', 'next'],
        ),
        response: responses({ 204: noContent }),
      },
    },
    async (req, reply) => {
      const p = me(req);
      const { current, next } = req.body as { current: string; next: string };
      const secrets = await ctx.store.accounts.secrets(p.name);
      if (!secrets || !(await verifyPassword(current, secrets.passwordHash))) {
        ctx.limiter.fail(p.name, req.socket.remoteAddress ?? '');
        throw new GatehouseError('GH_ERR_AUTH_FAILED', 'the current password is wrong');
      }
      if (next.length < MIN_PASSWORD || next === current) {
        throw new GatehouseError(
          'GH_ERR_AUTH_PASSWORD_WEAK',
          `the new password needs at least ${MIN_PASSWORD} characters and must differ from the current one`,
        );
      }
      await ctx.store.accounts.setPassword(p.name, await hashPassword(next), false, p.name, p.sessionHash);
      return reply.code(204).send();
    },
  );
  app.post(
    '/session/totp',
    {
      config: { roles: 'any', setup: true },
      schema: {
        tags: ['session'],
        response: responses({ 200: closed({ secret: str, otpauthUrl: str }, ['secret', 'otpauthUrl']) }),
      },
    },
    async (req) => {
      const p = me(req);
      if (p.account.totpEnrolled) throw new GatehouseError('GH_ERR_AUTH_TOTP', 'TOTP is already enrolled');
      const secret = newTotpSecret();
      await ctx.store.accounts.startTotp(p.name, secret);
      return { secret, otpauthUrl: otpauthUrl('Gatehouse', p.name, secret) };
    },
  );
  app.post(
    '/session/totp/confirm',
    {
      config: { roles: 'any', setup: true },
      schema: {
        tags: ['session'],
        body: closed({ code: { type: 'string', pattern: '^[0-9]{6}$' } }, ['code']),
        response: responses({
          200: closed({ recoveryCodes: { type: 'array', items: str } }, ['recoveryCodes']),
        }),
      },
    },
    async (req) => {
      const p = me(req);
      const pending = (await ctx.store.accounts.secrets(p.name))?.totpPending;
      const step = pending ? matchTotp(pending, (req.body as { code: string }).code, ctx.clock()) : null;
      if (step === null)
        throw new GatehouseError('GH_ERR_AUTH_TOTP', 'no enrolment was started, or the code does not match');
      const codes = Array.from({ length: RECOVERY_CODES }, () => randomSecret(10));
      await ctx.store.accounts.confirmTotp(p.name, step, codes.map(sha256));
      return { recoveryCodes: codes };
    },
  );
};

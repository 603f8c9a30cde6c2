/**
 * API tokens for automation: `gh_` + 32 random bytes, shown once, stored as SHA-256, scoped to one
 * of the owner's roles, revocable, with last use. Only a signed-in person (not a token) mints one.
 */
import { randomBytes } from 'node:crypto';
import { GatehouseError } from '../../core/errors.js';
import type { ApiToken, Role } from '../../store/types.js';
import { newApiToken, sha256 } from '../access.js';
import type { ControlPlugin } from '../context.js';
import { closed, int, noContent, nullableInt, responses, role, str } from '../schemas.js';

const tokenSchema = closed(
  { id: str, name: str, label: str, role, createdAt: int, lastUsedAt: nullableInt, revokedAt: nullableInt },
  ['id', 'name', 'label', 'role', 'createdAt', 'lastUsedAt', 'revokedAt'],
);

/** The token routes. */
export const tokensPlugin: ControlPlugin = async (app, ctx) => {
  const anyone = { roles: 'any' as const };
  app.get(
    '/tokens',
    {
      config: anyone,
      schema: {
        tags: ['tokens'],
        response: responses({ 200: closed({ tokens: { type: 'array', items: tokenSchema } }, ['tokens']) }),
      },
    },
    async (req) => {
      const p = req.principal!;
      return { tokens: await ctx.store.accounts.tokens(p.roles.includes('admin') ? undefined : p.name) };
    },
  );
  app.post(
    '/tokens',
    {
      config: anyone,
      schema: {
        tags: ['tokens'],
        body: closed({ label: { type: 'string', minLength: 1, maxLength: 100 }, role }, ['label', 'role']),
        response: responses({ 201: closed({ token: tokenSchema, secret: str }, ['token', 'secret']) }),
      },
    },
    async (req, reply) => {
      const p = req.principal!;
      const body = req.body as { label: string; role: Role };
      if (p.via !== 'session')
        throw new GatehouseError('GH_ERR_AUTH_FORBIDDEN', 'a token cannot mint tokens; sign in');
      if (!p.roles.includes(body.role)) {
        throw new GatehouseError('GH_ERR_AUTH_FORBIDDEN', `role: you do not hold "${body.role}"`);
      }
      const secret = newApiToken();
      const token: ApiToken = await ctx.store.accounts.createToken({
        id: randomBytes(8).toString('hex'),
        name: p.name,
        label: body.label,
        role: body.role,
        tokenHash: sha256(secret),
      });
      return reply.code(201).send({ token, secret });
    },
  );
  app.delete(
    '/tokens/:id',
    {
      config: anyone,
      schema: {
        tags: ['tokens'],
        params: closed({ id: { type: 'string', pattern: '^[0-9a-f]{16}$' } }, ['id']),
        response: responses({ 204: noContent }),
      },
    },
    async (req, reply) => {
      const p = req.principal!;
      const { id } = req.params as { id: string };
      const token = (await ctx.store.accounts.tokens()).find((t) => t.id === id);
      if (!token || (token.name !== p.name && !p.roles.includes('admin'))) {
        throw new GatehouseError('GH_ERR_ACCOUNT_NOT_FOUND', `token ${id}: not found`);
      }
      await ctx.store.accounts.revokeToken(id, p.name);
      return reply.code(204).send();
    },
  );
};

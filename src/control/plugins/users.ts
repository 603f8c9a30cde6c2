/** Accounts, managed by admins: list, create (with a one-time password shown once), delete. */
import { GatehouseError } from '../../core/errors.js';
import type { Role } from '../../store/types.js';
import { accountView } from '../account-view.js';
import type { ControlPlugin } from '../context.js';
import { hashPassword, oneTimePassword } from '../password.js';
import { closed, noContent, responses, role, str, userSchema } from '../schemas.js';

const ISP_NAME = '^[a-z0-9][a-z0-9-]{0,62}$';

function checkRoles(roles: readonly Role[], isp: string | null): void {
  if (new Set(roles).size !== roles.length)
    throw new GatehouseError('GH_ERR_ACCOUNT_INVALID', 'roles: each role once');
  if (roles.includes('isp') !== (isp !== null)) {
    throw new GatehouseError(
      'GH_ERR_ACCOUNT_INVALID',
      'isp: an account with role isp needs its ISP, and only it has one',
    );
  }
}

/** The users routes (admin only). */
export const usersPlugin: ControlPlugin = async (app, ctx) => {
  const admin = { roles: ['admin'] as Role[] };
  app.get(
    '/users',
    {
      config: admin,
      schema: {
        tags: ['users'],
        response: responses({ 200: closed({ users: { type: 'array', items: userSchema } }, ['users']) }),
      },
    },
    async () => ({ users: (await ctx.store.accounts.list()).map(accountView) }),
  );
  app.post(
    '/users',
    {
      config: admin,
      schema: {
        tags: ['users'],
        body: closed(
          {
            name: { type: 'string', minLength: 1, maxLength: 64 },
            roles: { type: 'array', items: role, minItems: 1, maxItems: 5 },
            isp: { type: 'string', pattern: ISP_NAME },
          },
          ['name', 'roles'],
        ),
        response: responses({
          201: closed({ user: userSchema, oneTimePassword: str }, ['user', 'oneTimePassword']),
        }),
      },
    },
    async (req, reply) => {
      const body = req.body as { name: string; roles: Role[]; isp?: string };
      const isp = body.isp ?? null;
      checkRoles(body.roles, isp);
      const password = oneTimePassword();
      const account = await ctx.store.accounts.create(
        { name: body.name, roles: body.roles, isp, passwordHash: await hashPassword(password) },
        req.principal!.name,
      );
      return reply.code(201).send({ user: accountView(account), oneTimePassword: password });
    },
  );
  app.delete(
    '/users/:name',
    {
      config: admin,
      schema: {
        tags: ['users'],
        params: closed({ name: { type: 'string', minLength: 1, maxLength: 64 } }, ['name']),
        response: responses({ 204: noContent }),
      },
    },
    async (req, reply) => {
      const { name } = req.params as { name: string };
      const target = await ctx.store.accounts.get(name);
      if (!target) throw new GatehouseError('GH_ERR_ACCOUNT_NOT_FOUND', `account "${name}": not found`);
      if (target.roles.includes('admin') && (await ctx.store.accounts.countWithRole('admin')) <= 1) {
        throw new GatehouseError('GH_ERR_ACCOUNT_INVALID', 'the last admin account cannot be deleted');
      }
      await ctx.store.accounts.remove(name, req.principal!.name);
      return reply.code(204).send();
    },
  );
};

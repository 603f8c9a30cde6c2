/**
 * Appeals against orders, as filed by the public through the portal (src/portal/), decided here by
 * operators, admins or approvers (`upheld`: the appeal succeeds; `rejected`), with a reason. The
 * store audits each decision and refuses a second one (GH_ERR_APPEAL_STATE).
 *
 * The appellant's contact is kept for those who answer the appeal and for nothing else
 * (src/store/appeals.ts): an auditor reads every appeal, but without it.
 */
import { GatehouseError } from '../../core/errors.js';
import type { Appeal, AppealOutcome, AppealStatus } from '../../store/appeals.js';
import { APPEAL_LIMITS } from '../../store/appeals.js';
import type { Role } from '../../store/types.js';
import type { Principal } from '../access.js';
import type { ControlPlugin } from '../context.js';
import { closed, int, nullableInt, nullableStr, responses, str } from '../schemas.js';

const DECIDERS: Role[] = ['operator', 'admin', 'approver'];
const READERS: Role[] = [...DECIDERS, 'auditor'];
const STATUSES: AppealStatus[] = ['filed', 'upheld', 'rejected'];
// The tracking reference (src/store/sql/appeals.ts): 24 base32 letters in groups of four.
const refParams = closed({ ref: { type: 'string', pattern: '^(?:[a-z2-7]{4}-){5}[a-z2-7]{4}$' } }, ['ref']);

const appealSchema = closed(
  {
    id: int,
    ref: str,
    orderId: int,
    appellant: str,
    contact: nullableStr,
    grounds: str,
    status: { type: 'string', enum: STATUSES },
    filedAt: int,
    decidedBy: nullableStr,
    decidedAt: nullableInt,
    reason: nullableStr,
  },
  ['ref', 'orderId', 'status'],
);
const one = responses({ 200: closed({ appeal: appealSchema }, ['appeal']) });

/** The appeal as `p` may see it: without the contact unless `p` answers appeals. */
function viewFor(p: Principal): (a: Appeal) => Appeal | Omit<Appeal, 'contact'> {
  if (p.roles.some((r) => DECIDERS.includes(r))) return (a) => a;
  return ({ contact: _contact, ...rest }) => rest;
}

/** The appeal routes. */
export const appealsPlugin: ControlPlugin = async (app, ctx) => {
  const tags = ['appeals'];
  app.get(
    '/appeals',
    {
      config: { roles: READERS },
      schema: {
        tags,
        querystring: closed({
          status: { type: 'string', enum: STATUSES },
          order: { type: 'integer', minimum: 1 },
          limit: { type: 'integer', minimum: 1, maximum: 1000 },
        }),
        response: responses({
          200: closed({ appeals: { type: 'array', items: appealSchema } }, ['appeals']),
        }),
      },
    },
    async (req) => {
      const { status, order, limit } = req.query as { status?: AppealStatus; order?: number; limit?: number };
      const appeals = await ctx.store.appeals.list({
        ...(status ? { status } : {}),
        ...(order ? { orderId: order } : {}),
        ...(limit ? { limit } : {}),
      });
      return { appeals: appeals.map(viewFor(req.principal!)) };
    },
  );
  app.get(
    '/appeals/:ref',
    { config: { roles: READERS }, schema: { tags, params: refParams, response: one } },
    async (req) => {
      const { ref } = req.params as { ref: string };
      const appeal = await ctx.store.appeals.get(ref);
      if (!appeal) throw new GatehouseError('GH_ERR_APPEAL_NOT_FOUND', `no appeal ${ref}`);
      return { appeal: viewFor(req.principal!)(appeal) };
    },
  );
  app.post(
    '/appeals/:ref/decide',
    {
      config: { roles: DECIDERS },
      schema: {
        tags,
        params: refParams,
        body: closed(
          {
            outcome: { type: 'string', enum: ['upheld', 'rejected'] },
            reason: { type: 'string', minLength: 1, maxLength: APPEAL_LIMITS.reason },
          },
          ['outcome', 'reason'],
        ),
        response: one,
      },
    },
    async (req) => {
      const { ref } = req.params as { ref: string };
      const decision = req.body as { outcome: AppealOutcome; reason: string };
      return { appeal: await ctx.store.appeals.decide(ref, decision, req.principal!.name) };
    },
  );
};

/**
 * Orders over the store and the lifecycle (src/policy/lifecycle.ts): create, the two-person
 * approval flow (`approve` needs the approver role and a person other than the creator, which the
 * lifecycle enforces), suspend, revoke, attach lists. The store audits every act with its actor.
 */
import { type Transition, transition, validateOrderInput } from '../../policy/lifecycle.js';
import type { OrderStatus } from '../../policy/model.js';
import { noticeUrl } from '../../portal/notice.js';
import type { Role } from '../../store/types.js';
import type { ControlContext, ControlPlugin } from '../context.js';
import { anyObject, closed, idParams, int, nullableInt, responses, str } from '../schemas.js';

const READERS: Role[] = ['admin', 'operator', 'approver', 'isp', 'auditor'];
const AUTHORS: Role[] = ['admin', 'operator'];
/** Who may make each transition: approving and re-activating exercise power, so only the judge. */
const MOVES: Record<Exclude<Transition, 'expire'>, Role[]> = {
  submit: AUTHORS,
  approve: ['approver'],
  activate: ['approver'],
  suspend: ['admin', 'operator', 'approver'],
  revoke: ['admin', 'operator', 'approver'],
};
const STATUSES: OrderStatus[] = ['draft', 'pending-approval', 'active', 'suspended', 'expired', 'revoked'];

const hitsSchema = closed({ dns: int, http: int, tls: int }, ['dns', 'http', 'tls']);
const orderSchema = anyObject;

async function hitsOf(ctx: ControlContext, id: number) {
  const h = (await ctx.node.hits?.())?.get(id);
  return { dns: h?.dns ?? 0, http: h?.http ?? 0, tls: h?.tls ?? 0 };
}

const OPEN_INPUT = { type: 'object' };
const orderBody = closed(
  {
    title: str,
    authority: OPEN_INPUT,
    legalBasis: OPEN_INPUT,
    decisionRef: str,
    scope: OPEN_INPUT,
    action: OPEN_INPUT,
    disclosure: OPEN_INPUT,
    notBefore: { type: ['integer', 'string'] },
    expiresAt: { type: ['integer', 'string'] },
    public: { type: 'boolean' },
    targets: { type: 'array', items: str, maxItems: 10_000 },
  },
  ['title', 'authority', 'legalBasis', 'decisionRef', 'scope', 'action', 'disclosure', 'expiresAt'],
);

/** The order routes. */
export const ordersPlugin: ControlPlugin = async (app, ctx) => {
  app.get(
    '/orders',
    {
      config: { roles: READERS },
      schema: {
        tags: ['orders'],
        querystring: closed({
          status: { type: 'string', enum: STATUSES },
          q: { type: 'string', maxLength: 200 },
        }),
        response: responses({ 200: closed({ orders: { type: 'array', items: orderSchema } }, ['orders']) }),
      },
    },
    async (req) => {
      const { status, q } = req.query as { status?: OrderStatus; q?: string };
      let orders = await ctx.store.orders.list({ ...(status ? { status } : {}), includeExpired: true });
      if (q) {
        const needle = q.toLowerCase();
        orders = orders.filter((o) =>
          [o.title, o.decisionRef, o.authority.name, String(o.id)].some((f) =>
            f.toLowerCase().includes(needle),
          ),
        );
      }
      return {
        orders: await Promise.all(orders.map(async (o) => ({ ...o, hits: await hitsOf(ctx, o.id) }))),
      };
    },
  );
  app.post(
    '/orders',
    {
      config: { roles: AUTHORS },
      schema: {
        tags: ['orders'],
        body: orderBody,
        response: responses({ 201: closed({ order: orderSchema }, ['order']) }),
      },
    },
    async (req, reply) => {
      const now = ctx.clock();
      const input = validateOrderInput(req.body, {
        maxDurationMs: ctx.settings.maxOrderDurationMs,
        now,
        destinationClasses: (ctx.settings.domesticPrefixes ?? []).length > 0,
      });
      const order = await ctx.store.orders.create(input, req.principal!.name);
      return reply.code(201).send({ order });
    },
  );
  app.get(
    '/orders/:id',
    {
      config: { roles: READERS },
      schema: {
        tags: ['orders'],
        params: idParams,
        response: responses({
          200: closed(
            {
              order: orderSchema,
              targets: { type: 'array', items: str },
              lists: { type: 'array', items: anyObject },
              history: { type: 'array', items: anyObject },
              hits: hitsSchema,
              noticeUrl: str,
            },
            ['order', 'targets', 'lists', 'history', 'hits', 'noticeUrl'],
          ),
        }),
      },
    },
    async (req) => {
      const id = Number((req.params as { id: string }).id);
      const order = await ctx.store.orders.require(id);
      const [targets, lists, history] = await Promise.all([
        ctx.store.orders.targets(id),
        ctx.store.orders.lists(id),
        ctx.store.orders.history(id),
      ]);
      return {
        order,
        targets,
        lists,
        history,
        hits: await hitsOf(ctx, id),
        noticeUrl: noticeUrl(ctx.settings.operatorUrl, id),
      };
    },
  );
  for (const [name, roles] of Object.entries(MOVES) as [Exclude<Transition, 'expire'>, Role[]][]) {
    app.post(
      `/orders/:id/${name}`,
      {
        config: { roles },
        schema: {
          tags: ['orders'],
          params: idParams,
          response: responses({ 200: closed({ order: orderSchema }, ['order']) }),
        },
      },
      async (req) => {
        const id = Number((req.params as { id: string }).id);
        const order = await ctx.store.orders.require(id);
        const change = transition(order, name, req.principal!.name, ctx.clock());
        const after = await ctx.store.orders.apply(change);
        // The data plane sees the change within its poll; refresh now so the answer is in force.
        void ctx.feed.refresh().catch(() => undefined);
        return { order: after };
      },
    );
  }
  app.post(
    '/orders/:id/lists',
    {
      config: { roles: AUTHORS },
      schema: {
        tags: ['orders'],
        params: idParams,
        body: closed({ listId: { type: 'integer', minimum: 1 }, version: nullableInt }, ['listId']),
        response: responses({ 200: closed({ attached: anyObject }, ['attached']) }),
      },
    },
    async (req) => {
      const id = Number((req.params as { id: string }).id);
      const { listId, version } = req.body as { listId: number; version?: number | null };
      const attached = await ctx.store.orders.attachList(id, listId, req.principal!.name, version ?? null);
      return { attached };
    },
  );
};

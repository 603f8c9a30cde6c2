/**
 * Live proxied connections: list, and end those citing an order in force. Under /api for the
 * console, and at the root (`GET /connections`, `POST /connections/end?order=`) for the
 * `gatehouse connections` CLI, which loopback clients may call without signing in.
 */
import { GatehouseError } from '../../core/errors.js';
import type { Role } from '../../store/types.js';
import type { ControlContext, ControlPlugin } from '../context.js';
import { anyObject, closed, int, responses } from '../schemas.js';

const WATCHERS: Role[] = ['admin', 'operator', 'auditor'];
const ENDERS: Role[] = ['admin', 'operator'];
const ended = closed({ order: int, ended: int }, ['order', 'ended']);

/** Ends the connections citing `orderId`; only ever for an order in force. */
export function endConnections(ctx: ControlContext, orderId: number, actor: string | null) {
  if (!ctx.feed.current().orders.some((o) => o.id === orderId)) {
    throw new GatehouseError(
      'GH_ERR_CONNECTIONS_NO_ORDER',
      `order ${orderId} is not in force: connections are only ended citing an order in force`,
    );
  }
  const n = ctx.node.endConnections?.(orderId) ?? 0;
  const details = { ended: n, via: actor === null ? 'loopback' : 'api' };
  void ctx.store.audit
    .append({ actor: actor ?? 'system', action: 'connections.end', object: `order/${orderId}`, details })
    .catch(() => undefined);
  return { order: orderId, ended: n };
}

/** /api/connections. */
export const connectionsPlugin: ControlPlugin = async (app, ctx) => {
  app.get(
    '/connections',
    {
      config: { roles: WATCHERS },
      schema: {
        tags: ['connections'],
        response: responses({
          200: closed({ connections: { type: 'array', items: anyObject } }, ['connections']),
        }),
      },
    },
    async () => ({ connections: ctx.node.connections?.() ?? [] }),
  );
  app.post(
    '/connections/end',
    {
      config: { roles: ENDERS },
      schema: {
        tags: ['connections'],
        body: closed({ orderId: { type: 'integer', minimum: 1 } }, ['orderId']),
        response: responses({ 200: ended }),
      },
    },
    async (req) => endConnections(ctx, (req.body as { orderId: number }).orderId, req.principal!.name),
  );
};

/** The root routes the CLI uses (loopback, or a token or session with the role). */
export const connectionsRootPlugin: ControlPlugin = async (app, ctx) => {
  app.get(
    '/connections',
    {
      config: { roles: WATCHERS, loopback: true },
      schema: { hide: true, response: responses({ 200: { type: 'array', items: anyObject } }) },
    },
    async () => ctx.node.connections?.() ?? [],
  );
  app.post(
    '/connections/end',
    {
      config: { roles: ENDERS, loopback: true },
      schema: {
        hide: true,
        querystring: closed({ order: { type: 'string', pattern: '^[0-9]{1,12}$' } }, ['order']),
        response: responses({ 200: ended }),
      },
    },
    async (req) =>
      endConnections(ctx, Number((req.query as { order: string }).order), req.principal?.name ?? null),
  );
};

/** The read-only pages: the register, an order, its notice, the transparency report. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatehouseError } from '../core/errors.js';
import type { Order } from '../policy/model.js';
import { noticeOrder, noticePage, noticePageJson } from './notice-page.js';
import { isAppealable, isListed, publicStatus } from './page.js';
import type { OrderHits, PortalOptions } from './plugin.js';
import { orderPage, registerPage } from './register.js';
import { buildReport, type OrderSpan, reportCsv, reportPage } from './transparency.js';

/** What the routes share: options with defaults applied, and providers that fail soft. */
export interface PortalContext {
  readonly opts: PortalOptions;
  readonly now: () => number;
  /** Runs an optional provider; a missing or failing one yields null (logged), never a 500. */
  optional<T>(req: FastifyRequest, what: string, provider: (() => Promise<T>) | undefined): Promise<T | null>;
}

const ID = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[0-9]{1,12}$' } },
  required: ['id'],
};

/** The listed (public, approved at least once) order with that id, or GH_ERR_ORDER_NOT_FOUND. */
export async function listedOrder(ctx: PortalContext, id: number): Promise<Order> {
  const order = await ctx.opts.store.orders.get(id);
  // A non-public order is answered exactly like a missing one: its existence is not disclosed.
  if (order === undefined || !isListed(order)) {
    throw new GatehouseError('GH_ERR_ORDER_NOT_FOUND', `no public order ${id}`);
  }
  return order;
}

/** True when the client asked for JSON rather than HTML. */
export function wantsJson(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

function html(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

async function spans(ctx: PortalContext, orders: readonly Order[]): Promise<OrderSpan[]> {
  const out: OrderSpan[] = [];
  for (const o of orders) {
    if (o.approvedAt === null) continue;
    let to = o.expiresAt;
    if (o.status === 'revoked') {
      const revoked = (await ctx.opts.store.orders.history(o.id)).find((c) => c.to === 'revoked');
      if (revoked) to = Math.min(to, revoked.at);
    }
    out.push({ issued: o.approvedAt, from: Math.max(o.approvedAt, o.notBefore), to });
  }
  return out;
}

async function report(ctx: PortalContext, req: FastifyRequest) {
  const { opts } = ctx;
  const orders = await opts.store.orders.list({ includeExpired: true });
  const signed = await ctx.optional(req, 'signed audit head', opts.signedHead);
  const head = signed
    ? { ...signed, signed: signed.signature !== undefined }
    : { ...(await opts.store.audit.head()), signed: false };
  return buildReport({
    now: ctx.now(),
    spans: await spans(ctx, orders),
    monthly: await ctx.optional(req, 'monthly enforcement', opts.monthly),
    warrants: await ctx.optional(req, 'warrant figures', opts.warrantStats),
    head,
  });
}

/** Registers the read-only routes. */
export function publicRoutes(app: FastifyInstance, ctx: PortalContext): void {
  const { opts } = ctx;
  const hits = (req: FastifyRequest) =>
    ctx.optional<ReadonlyMap<number, OrderHits>>(req, 'order hit counts', opts.hits);

  app.get('/', async (req, reply) => {
    const orders = await opts.store.orders.list({ includeExpired: true });
    return html(reply, registerPage(orders, ctx.now(), await hits(req)));
  });

  app.get<{ Params: { id: string } }>('/orders/:id', { schema: { params: ID } }, async (req, reply) => {
    const order = await listedOrder(ctx, Number(req.params.id));
    const [targets, lists, history, counts] = await Promise.all([
      opts.store.orders.targets(order.id),
      opts.store.orders.lists(order.id),
      opts.store.orders.history(order.id),
      hits(req),
    ]);
    const facts = {
      targets: targets.length,
      lists: lists.length,
      history,
      hits: counts === null ? null : (counts.get(order.id) ?? { dns: 0, http: 0, tls: 0, throttled: 0 }),
    };
    return html(reply, orderPage(order, ctx.now(), facts));
  });

  app.get<{ Params: { id: string } }>('/notices/:id', { schema: { params: ID } }, async (req, reply) => {
    const id = Number(req.params.id);
    const now = ctx.now();
    // The compiled policy says what the data plane enforces now; the store has every past order.
    const compiled = opts.currentOrders?.().find((o) => o.id === id && o.public);
    const stored = await opts.store.orders.get(id);
    if (compiled === undefined && (stored === undefined || !isListed(stored))) {
      throw new GatehouseError('GH_ERR_ORDER_NOT_FOUND', `no public order ${id}`);
    }
    const source = noticeOrder((compiled ?? stored)!);
    const inForce =
      compiled !== undefined || (stored !== undefined && publicStatus(stored, now) === 'active');
    const appealable = stored !== undefined && isAppealable(stored, now);
    reply.header('vary', 'accept');
    if (wantsJson(req)) {
      return reply
        .type('application/json; charset=utf-8')
        .send(noticePageJson(source, opts.operatorUrl, inForce));
    }
    return html(reply, noticePage(source, inForce, appealable));
  });

  app.get('/transparency', async (req, reply) => html(reply, reportPage(await report(ctx, req))));
  app.get('/transparency.json', async (req, reply) =>
    reply.type('application/json; charset=utf-8').send(await report(ctx, req)),
  );
  app.get('/transparency.csv', async (req, reply) =>
    reply
      .type('text/csv; charset=utf-8; header=present')
      .header('content-disposition', 'inline; filename="gatehouse-transparency.csv"')
      .send(reportCsv(await report(ctx, req))),
  );
  // Browsers ask for it on every page; no icon is better than a logged 404 for each visit.
  app.get('/favicon.ico', async (_req, reply) =>
    reply.code(204).header('cache-control', 'public, max-age=86400').send(),
  );
}

/**
 * Appeals from the public: the form, filing (POST, answered 303 See Other per RFC 9110 §15.4.4 so a
 * reload does not file twice) and the status page behind the tracking reference.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatehouseError, isGatehouseError } from '../core/errors.js';
import type { Order } from '../policy/model.js';
import { type AppellantKind, publicAppeal } from '../store/appeals.js';
import { isAppealRef } from '../store/sql/appeals.js';
import { type AppealFormValues, appealFormPage, appealStatusPage } from './appeal-pages.js';
import type { FloodGate } from './flood.js';
import { type FormTokens, sameOrigin } from './form-token.js';
import { isAppealable } from './page.js';
import type { PortalContext } from './public-routes.js';

/** The form's body limit: the grounds at their longest, every character percent-encoded UTF-8, and room. */
export const APPEAL_BODY_LIMIT = 64 * 1024;

const ORDER_ID = /^[0-9]{1,12}$/;

function html(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

const notFound = (id: string) =>
  new GatehouseError('GH_ERR_ORDER_NOT_FOUND', `no public order ${id} in force`);

/** Form fields as strings: a repeated or missing field is an empty string. */
function field(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | null)?.[name];
  return typeof v === 'string' ? v : '';
}

/** The appeal routes. */
export function appealRoutes(
  app: FastifyInstance,
  ctx: PortalContext,
  tokens: FormTokens,
  flood: FloodGate,
): void {
  const { store } = ctx.opts;

  async function appealable(id: string): Promise<Order | null> {
    if (!ORDER_ID.test(id)) return null;
    const order = await store.orders.get(Number(id));
    return order !== undefined && isAppealable(order, ctx.now()) ? order : null;
  }

  async function choices(): Promise<Order[]> {
    const now = ctx.now();
    return (await store.orders.list({ includeExpired: false })).filter((o) => isAppealable(o, now));
  }

  app.get<{ Querystring: { order?: string } }>('/appeals/new', async (req, reply) => {
    const id = typeof req.query.order === 'string' ? req.query.order : '';
    const order = id === '' ? null : await appealable(id);
    if (id !== '' && order === null) throw notFound(id);
    reply.header('cache-control', 'no-store');
    return html(
      reply,
      appealFormPage({ order, choices: order ? [] : await choices(), token: tokens.issue() }),
    );
  });

  app.post('/appeals', { bodyLimit: APPEAL_BODY_LIMIT }, async (req, reply) => {
    const wait = flood(req.ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new GatehouseError('GH_ERR_PORTAL_RATE_LIMITED', `too many appeals; retry in ${wait} seconds`);
    }
    // Only the form's own encoding: a JSON body (parsed by the host app's parser) is not an appeal.
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      throw new GatehouseError('GH_ERR_API_MEDIA_TYPE', 'send the appeal as the web form does');
    }
    if (!sameOrigin(req.headers, req.host, ctx.opts.operatorUrl)) {
      throw new GatehouseError('GH_ERR_PORTAL_FORM', 'the form was posted from another site');
    }
    // The honeypot: a person never sees the field; a form-filling robot fills it.
    if (field(req.body, 'website') !== '' || !tokens.spend(field(req.body, 'token'))) {
      throw new GatehouseError(
        'GH_ERR_PORTAL_FORM',
        'the form has expired or was already used; please fill it in again',
      );
    }
    const values: AppealFormValues = {
      order: field(req.body, 'order'),
      appellant: field(req.body, 'appellant'),
      contact: field(req.body, 'contact'),
      grounds: field(req.body, 'grounds'),
    };
    return file(req, reply, values);
  });

  async function file(req: FastifyRequest, reply: FastifyReply, values: AppealFormValues) {
    const id = values.order ?? '';
    const order = id === '' ? null : await appealable(id);
    if (id !== '' && order === null) throw notFound(id);
    try {
      if (order === null)
        throw new GatehouseError('GH_ERR_APPEAL_INVALID', 'choose the order you appeal against');
      const appeal = await store.appeals.file({
        orderId: order.id,
        appellant: values.appellant as AppellantKind,
        contact: values.contact === '' ? null : (values.contact ?? null),
        grounds: values.grounds ?? '',
      });
      req.log.info({ appeal: appeal.id, order: order.id }, 'appeal filed');
      return reply
        .code(303)
        .header('location', `/appeals/${appeal.ref}`)
        .header('cache-control', 'no-store')
        .send();
    } catch (err) {
      if (!isGatehouseError(err, 'GH_ERR_APPEAL_INVALID')) throw err;
      // Shown again with what was typed and a fresh token, so nothing is lost.
      reply.header('x-error-code', err.code).header('cache-control', 'no-store');
      const state = {
        order,
        choices: order ? [] : await choices(),
        token: tokens.issue(),
        values,
        error: err.message,
      };
      return html(reply, appealFormPage(state), 400);
    }
  }

  app.get<{ Params: { ref: string } }>('/appeals/:ref', async (req, reply) => {
    const ref = req.params.ref;
    const appeal = isAppealRef(ref) ? await store.appeals.get(ref) : undefined;
    if (appeal === undefined)
      throw new GatehouseError('GH_ERR_APPEAL_NOT_FOUND', 'no appeal has that reference');
    const order = (await store.orders.get(appeal.orderId)) ?? null;
    // The reference is a capability: keep it out of caches and search engines.
    reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex');
    return html(reply, appealStatusPage(publicAppeal(appeal), order?.public ? order : null));
  });
}

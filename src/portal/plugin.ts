/**
 * The public transparency portal as a fastify plugin (DESIGN §2, issue 6): the register of
 * orders, their notices, appeals and the transparency report. Server-rendered HTML, no script.
 * The control plane registers it at prefix ''.
 */
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, type ErrorCode, isGatehouseError } from '../core/errors.js';
import type { CompiledOrder } from '../policy/compile.js';
import type { Order } from '../policy/model.js';
import type { Store } from '../store/types.js';
import { appealRoutes } from './appeal-routes.js';
import { createFloodGate, DEFAULT_FLOOD_LIMITS, type FloodLimits } from './flood.js';
import { createFormTokens } from './form-token.js';
import { errorPage, SECURITY_HEADERS } from './page.js';
import { type PortalContext, publicRoutes, wantsJson } from './public-routes.js';

/** Hit counts of one order, by where it was enforced (no identities). */
export interface OrderHits {
  readonly dns: number;
  readonly http: number;
  readonly tls: number;
  readonly throttled: number;
}

/** Enforcement per month (`YYYY-MM`). */
export interface MonthlyEnforcement {
  readonly month: string;
  readonly blocks: number;
  readonly throttles: number;
}

/** Warrants per month (`YYYY-MM`). */
export interface MonthlyWarrants {
  readonly month: string;
  readonly requested: number;
  readonly approved: number;
  readonly refused: number;
  readonly notified: number;
}

/** The audit log's published head. */
export interface PublishedHead {
  readonly seq: number;
  readonly hash: string;
  readonly signature?: string;
  readonly publicKey?: string;
}

/** What the portal reads; every provider is optional and the page says "not available" without it. */
export interface PortalOptions {
  readonly store: Store;
  /** Base of public links, e.g. `https://gatehouse.example` (notices at `{operatorUrl}/notices/{id}`). */
  readonly operatorUrl: string;
  /** The orders of the compiled policy in force (for notices of orders in force). */
  readonly currentOrders?: () => readonly (Order | CompiledOrder)[];
  /** Hit counts per order id. */
  readonly hits?: () => Promise<ReadonlyMap<number, OrderHits>>;
  /** Blocks and throttles per month. */
  readonly monthly?: () => Promise<readonly MonthlyEnforcement[]>;
  /** Warrant figures per month. */
  readonly warrantStats?: () => Promise<readonly MonthlyWarrants[]>;
  /** The audit log's latest signed head, if one is published. */
  readonly signedHead?: () => Promise<PublishedHead | null>;
  /** Milliseconds since the epoch (tests inject one). */
  readonly clock?: () => number;
  /** Appeal flood limits (defaults: `DEFAULT_FLOOD_LIMITS`). */
  readonly appealLimits?: FloodLimits;
  /** Key signing form tokens; share one across control nodes behind one name (random per process otherwise). */
  readonly formKey?: Uint8Array;
  /** Serve the portal's own 404 page for unknown paths (default true; off when the host app has one). */
  readonly notFoundPage?: boolean;
}

const HEADINGS: Record<number, string> = {
  400: 'The request was not understood',
  403: 'The form was not accepted',
  404: 'Not found',
  409: 'Conflict',
  413: 'Too much text',
  415: 'Not a form',
  429: 'Too many requests',
  500: 'Something went wrong',
};

// fastify's own errors that the portal can meet, mapped to the catalogue.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'GH_ERR_API_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'GH_ERR_API_MEDIA_TYPE',
  FST_ERR_VALIDATION: 'GH_ERR_ORDER_NOT_FOUND',
};

function problem(req: FastifyRequest, reply: FastifyReply, status: number, code: string, detail: string) {
  reply.code(status).header('x-error-code', code).header('cache-control', 'no-store');
  const title = HEADINGS[status] ?? 'Error';
  if (wantsJson(req)) {
    // RFC 9457 problem details, as the API answers.
    return reply.type('application/problem+json').send({ type: 'about:blank', title, status, detail, code });
  }
  return reply.type('text/html; charset=utf-8').send(errorPage(status, code, title, detail));
}

function onError(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  // A catalogue error the public caused is explained; a server-side one (5xx) is logged, not shown.
  if (isGatehouseError(err) && ERRORS[err.code].http < 500) {
    return problem(req, reply, ERRORS[err.code].http, err.code, err.message);
  }
  const mapped = FASTIFY_CODES[err.code];
  if (mapped !== undefined) {
    const status = err.code === 'FST_ERR_VALIDATION' ? 404 : (err.statusCode ?? 400);
    const detail =
      status === 404
        ? 'there is no such page'
        : err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'the form is larger than an appeal may be'
          : 'send the appeal form as a web form';
    return problem(req, reply, status, mapped, detail);
  }
  req.log.error({ err }, 'portal request failed');
  const status = isGatehouseError(err) ? ERRORS[err.code].http : 500;
  const code = isGatehouseError(err) ? err.code : 'GH_ERR_API_INTERNAL';
  return problem(req, reply, status, code, 'the page could not be made; please try again later');
}

/** The portal's 404 page (problem JSON when JSON was asked for), for a host app's own not-found handler. */
export function portalNotFound(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.headers(SECURITY_HEADERS);
  return problem(req, reply, 404, 'GH_ERR_API_NOT_FOUND', 'there is no page at this address');
}

/** Registers the portal's routes on `app` (an encapsulated context: its hooks stay on its routes). */
export async function portalPlugin(app: FastifyInstance, opts: PortalOptions): Promise<void> {
  const now = opts.clock ?? Date.now;
  const ctx: PortalContext = {
    opts,
    now,
    async optional(req, what, provider) {
      if (provider === undefined) return null;
      try {
        return await provider();
      } catch (err) {
        req.log.warn({ err }, `portal: ${what} unavailable`);
        return null;
      }
    },
  };
  // Only this context parses forms; the API next to it keeps to JSON.
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    await app.register(formbody, { bodyLimit: 64 * 1024 });
  }
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });
  app.setErrorHandler(onError);
  if (opts.notFoundPage !== false) {
    try {
      app.setNotFoundHandler(portalNotFound);
    } catch (err) {
      // The host app answers unknown paths at this prefix already (it may call portalNotFound).
      // fastify 5 throws a plain Error here, without a code (lib/four-oh-four.js): only its text says so.
      if (!/not found handler already set/i.test(String((err as Error).message))) throw err;
    }
  }
  publicRoutes(app, ctx);
  const tokens = createFormTokens({ key: opts.formKey, clock: now });
  appealRoutes(app, ctx, tokens, createFloodGate(opts.appealLimits ?? DEFAULT_FLOOD_LIMITS, now));
}

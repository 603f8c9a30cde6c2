/**
 * The control plane's fastify app: REST API under /api (one plugin per resource, plugins/index.ts),
 * the console at /console/, the public portal at /, and the node's /healthz, /metrics and
 * /connections at the root. Security headers on every response, one error mapping (problem.ts),
 * one access hook (access.ts), OpenAPI at /api/openapi.json and interactive docs at /api/docs.
 */
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import { portalPlugin } from '../portal/plugin.js';
import type { Logger } from '../telemetry/logger.js';
import { accessHook } from './access.js';
import { consolePlugin } from './console.js';
import type { ControlContext } from './context.js';
import { signed } from './plugins/audit.js';
import { API_PLUGINS, ROOT_PLUGINS } from './plugins/index.js';
import { noticeFallback } from './plugins/notice.js';
import { installProblems } from './problem.js';

// Strict: same-origin scripts and styles only (the console's assets are built files), no framing.
const CSP_STRICT =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
// The portal's server-rendered pages and Swagger UI carry inline styles; still no inline script.
const CSP_PAGES = CSP_STRICT.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

/** Log keys never written: credentials in requests, and secrets should an object carrying them be logged. */
export const CONTROL_REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.passwordHash',
  '*.totpSecret',
  '*.totpPending',
  '*.tokenHash',
  '*.current',
  '*.next',
  '*.totp',
  '*.recoveryCode',
];

/** Routes as registered (method, url, config), for the role walk and the README's route list. */
export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  readonly route: RouteOptions;
}

/** Options of `buildControlApp`. */
export interface ControlAppOptions {
  readonly logger?: Logger;
  /** Called with every route (tests walk them). */
  readonly onRoute?: (route: RegisteredRoute) => void;
}

function securityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply, payload) => {
    const path = req.url.split('?')[0];
    const strict = (path.startsWith('/api/') && !path.startsWith('/api/docs')) || path.startsWith('/console');
    reply.header('content-security-policy', strict ? CSP_STRICT : CSP_PAGES);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (path.startsWith('/api/') && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'no-store');
    return payload;
  });
}

/** Marks every route a third-party plugin registers as public (Swagger UI's files, the portal). */
function publicByDefault(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config ?? {}), roles: route.config?.roles ?? 'public' };
  });
}

/** Builds the app (not listening). Every route's access declaration is checked when it is ready. */
export async function buildControlApp(
  ctx: ControlContext,
  options: ControlAppOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger
      ? {
          loggerInstance: options.logger.child(
            { component: 'control' },
            { redact: { paths: CONTROL_REDACT, censor: '***' } },
          ) as unknown as FastifyBaseLogger,
        }
      : { logger: false }),
    bodyLimit: ctx.settings.bodyLimit,
    trustProxy: false,
    // Unknown fields are refused, not silently dropped (fastify's default removes them).
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: 'array',
        allErrors: true,
        allowUnionTypes: true,
      },
    },
    routerOptions: { ignoreTrailingSlash: false },
    return503OnClosing: true,
  });
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const r = { method: String(method), url: route.url, route };
      routes.push(r);
      options.onRoute?.(r);
    }
  });
  app.addHook('onReady', async () => {
    const bare = routes.filter((r) => r.route.config?.roles === undefined);
    if (bare.length > 0) {
      throw new Error(`routes without config.roles: ${bare.map((r) => `${r.method} ${r.url}`).join(', ')}`);
    }
  });
  app.decorateRequest('principal', null);
  installProblems(app);
  securityHeaders(app);
  await app.register(fastifyCookie);
  app.addHook('onRequest', accessHook(ctx));
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Gatehouse control plane',
        version: '1',
        description:
          'Orders, lists, accounts, audit and the node. Errors are RFC 9457 problems. See docs/api.md.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'gh_session' },
          token: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
  });
  for (const plugin of API_PLUGINS) await app.register(async (api) => plugin(api, ctx), { prefix: '/api' });
  for (const plugin of ROOT_PLUGINS) await app.register(async (root) => plugin(root, ctx));
  app.get('/api/openapi.json', { config: { roles: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  await app.register(async (docs) => {
    publicByDefault(docs);
    await docs.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: false });
  });
  await app.register(async (portal) => {
    publicByDefault(portal);
    await portal.register(portalPlugin, {
      store: ctx.store,
      // A getter: with port 0 the URL is known only once the server listens.
      get operatorUrl() {
        return ctx.settings.operatorUrl;
      },
      notFoundPage: false,
      currentOrders: () => ctx.feed.current().orders,
      // Read when asked, like `monthly`: both come from the records database, opened later.
      hits: async () => {
        if (!ctx.node.hits) throw new Error('no records database on this node');
        return ctx.node.hits();
      },
      // Read when asked: the records database is opened after the control plane starts.
      monthly: async () => {
        if (!ctx.node.monthly) throw new Error('no records database on this node');
        return ctx.node.monthly();
      },
      warrantStats: () => ctx.store.warrants.stats(),
      signedHead: async () => {
        const head = await ctx.store.audit.head();
        return signed(ctx, head) ?? { seq: head.seq, hash: head.hash };
      },
      clock: ctx.clock,
    });
  });
  // Until the portal serves notices itself, the 451 and EDE links keep working.
  if (!routes.some((r) => r.method === 'GET' && r.url === '/notices/:id')) {
    await app.register(async (root) => noticeFallback(root, ctx));
  }
  await app.register(async (web) => consolePlugin(web, ctx));
  return app;
}

/** Routes of a built app, sorted, for docs and tests. */
export function routeList(routes: readonly RegisteredRoute[]): string[] {
  return routes
    .filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/api/docs/'))
    .map((r) => `${r.method} ${r.url}`)
    .sort();
}

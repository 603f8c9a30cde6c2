/**
 * The node: /healthz and /metrics at the root (Prometheus and probes scrape them there), and
 * /api/health, /api/nodes and /api/metrics/series for the console. `gatehouse start` runs one
 * node; a multi-node control tier lists each node's heartbeat here.
 */
import { hostname } from 'node:os';
import type { ControlContext, ControlPlugin } from '../context.js';
import { anyObject, closed, int, responses, str } from '../schemas.js';

const started = Date.now();

function health(ctx: ControlContext) {
  return {
    status: 'ok',
    policy: { ...ctx.feed.current().stats, ...ctx.feed.stats() },
    ...ctx.node.details?.(),
  };
}

/** /healthz and /metrics. */
export const nodeRootPlugin: ControlPlugin = async (app, ctx) => {
  app.get(
    '/healthz',
    { config: { roles: 'public' }, schema: { hide: true, response: { 200: anyObject } } },
    async (_req, reply) => {
      reply.header('cache-control', 'no-store');
      return health(ctx);
    },
  );
  app.get('/metrics', { config: { roles: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.header('cache-control', 'no-store').type(ctx.metrics.registry.contentType).send(text);
  });
};

/** /api/health, /api/nodes, /api/metrics/series. */
export const nodesPlugin: ControlPlugin = async (app, ctx) => {
  app.get(
    '/health',
    { config: { roles: 'any' }, schema: { tags: ['nodes'], response: responses({ 200: anyObject }) } },
    async () => health(ctx),
  );
  app.get(
    '/nodes',
    {
      config: { roles: 'any' },
      schema: {
        tags: ['nodes'],
        response: responses({
          200: closed(
            {
              nodes: {
                type: 'array',
                items: closed({ id: str, startedAt: int, uptimeSeconds: int, health: anyObject }),
              },
            },
            ['nodes'],
          ),
        }),
      },
    },
    async () => ({
      nodes: [
        {
          id: hostname(),
          startedAt: started,
          uptimeSeconds: Math.round(process.uptime()),
          health: health(ctx),
        },
      ],
    }),
  );
  const series = { type: 'array', items: { type: ['number', 'null'] } };
  app.get(
    '/metrics/series',
    {
      config: { roles: 'any' },
      schema: {
        tags: ['nodes'],
        querystring: closed({ minutes: { type: 'integer', minimum: 1, maximum: 60, default: 60 } }),
        response: responses({
          200: closed(
            {
              step: int,
              start: int,
              series: { type: 'object', additionalProperties: series },
              perIsp: {
                type: 'object',
                additionalProperties: { type: 'object', additionalProperties: series },
              },
            },
            ['step', 'series', 'perIsp'],
          ),
        }),
      },
    },
    async (req) => ctx.series.read((req.query as { minutes: number }).minutes),
  );
};

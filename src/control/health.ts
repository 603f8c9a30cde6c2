/**
 * The node's own HTTP endpoint for now (the control plane's fastify app will mount the same
 * handlers): `/healthz`, `/metrics`, `/notices/ID` (the page a 451 and an EDE point to), and
 * the live connections (`GET /connections`, `POST /connections/end?order=ID`).
 * It listens on loopback by default; sign-in and roles come with the control plane.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderNotice } from '../portal/notice.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { PolicyFeed } from './policy-feed.js';

/** Optional parts the node exposes when the matching service runs. */
export interface HealthExtras {
  details?: () => Record<string, unknown>;
  operatorUrl: string;
  connections?: () => unknown[];
  /** Ends the live connections citing an order; returns how many. */
  endConnections?: (orderId: number) => number;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS }).end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json', JSON.stringify(value));
}

function route(
  req: IncomingMessage,
  res: ServerResponse,
  feed: PolicyFeed,
  metrics: Metrics,
  x: HealthExtras,
): void {
  const url = new URL(req.url ?? '/', 'http://node');
  const path = url.pathname;
  const get = req.method === 'GET' || req.method === 'HEAD';
  if (get && path === '/healthz') {
    json(res, 200, {
      status: 'ok',
      policy: { ...feed.current().stats, ...feed.stats() },
      ...x.details?.(),
    });
    return;
  }
  if (get && path === '/metrics') {
    metrics.registry.metrics().then(
      (text) => send(res, 200, metrics.registry.contentType, text),
      () => send(res, 500, 'text/plain', 'metrics unavailable\n'),
    );
    return;
  }
  const notice = /^\/notices\/(\d{1,12})$/.exec(path);
  if (get && notice) {
    const order = feed.current().orders.find((o) => o.id === Number(notice[1]) && o.public);
    if (!order) {
      send(res, 404, 'text/plain', `no public order ${notice[1]} is in force\n`);
      return;
    }
    const wantsJson = (req.headers.accept ?? '').includes('application/json');
    const page = renderNotice(order, x.operatorUrl, wantsJson ? 'json' : 'html');
    send(res, 200, page.contentType, page.body);
    return;
  }
  if (get && path === '/connections' && x.connections) {
    json(res, 200, x.connections());
    return;
  }
  if (req.method === 'POST' && path === '/connections/end' && x.endConnections) {
    const order = url.searchParams.get('order') ?? '';
    if (!/^\d{1,12}$/.test(order)) {
      json(res, 400, { error: 'order: expected an order id, e.g. ?order=17' });
      return;
    }
    if (!feed.current().orders.some((o) => o.id === Number(order))) {
      json(res, 409, {
        error: `order ${order} is not in force: connections are only ended citing an order in force`,
      });
      return;
    }
    json(res, 200, { order: Number(order), ended: x.endConnections(Number(order)) });
    return;
  }
  send(res, get || req.method === 'POST' ? 404 : 405, 'text/plain', 'not found\n');
}

/** Starts the endpoint; resolves with the bound address. */
export async function startHealthServer(
  listen: { host: string; port: number },
  feed: PolicyFeed,
  metrics: Metrics,
  extras: HealthExtras,
): Promise<{ server: Server; address: AddressInfo }> {
  const server = createServer((req, res) => {
    try {
      route(req, res, feed, metrics, extras);
    } catch {
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
    }
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  return { server, address: server.address() as AddressInfo };
}

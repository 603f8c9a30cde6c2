/**
 * The node's own HTTP endpoint for now: `/healthz` and `/metrics` on `http.listen`.
 * The control plane (fastify, issue 6) will mount the same handlers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from '../telemetry/metrics.js';
import type { PolicyFeed } from './policy-feed.js';

/** What `/healthz` reports beyond the policy. */
export type HealthDetails = () => Record<string, unknown>;

/** Starts the endpoint; resolves with the bound address. */
export async function startHealthServer(
  listen: { host: string; port: number },
  feed: PolicyFeed,
  metrics: Metrics,
  details: HealthDetails = () => ({}),
): Promise<{ server: Server; address: AddressInfo }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      const p = feed.current();
      const body = JSON.stringify({ status: 'ok', policy: { ...p.stats, ...feed.stats() }, ...details() });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
    } else if (path === '/metrics') {
      metrics.registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text))
        .catch(() => res.writeHead(500).end());
    } else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  return { server, address: server.address() as AddressInfo };
}

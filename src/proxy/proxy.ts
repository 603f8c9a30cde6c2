/**
 * createProxy: the proxy data plane. Listeners accept; each connection is admitted (per-source
 * limit, identity), its head or hello read within limits, judged (decide.ts: name → lookup →
 * address), then blocked with a disclosure, or relayed (throttled when ordered); its flow record
 * is written when it closes. See types.ts for the contract with the composition root.
 */
import type { AddressInfo, Socket } from 'node:net';
import type { ProxyContext } from './connection.js';
import { createDestinationClassifier } from './destination-class.js';
import { sweepClock } from './head-deadline.js';
import { JudgementMemo } from './judgement-memo.js';
import { serveExplicit } from './listeners/explicit.js';
import { type ListeningServer, listenTcp } from './listeners/server.js';
import { serveTransparentHttp } from './listeners/transparent-http.js';
import { serveTransparentTls } from './listeners/transparent-tls.js';
import { LiveTable } from './live.js';
import { OriginPool } from './origin-pool.js';
import { nativeRedirectReader } from './original-destination.js';
import { ThrottleRegistry } from './throttle.js';
import type { ListenerKind, ProxyDeps, ProxyServer } from './types.js';

const SERVE: Record<ListenerKind, (ctx: ProxyContext, socket: Socket) => void> = {
  explicit: serveExplicit,
  'transparent-http': serveTransparentHttp,
  'transparent-tls': serveTransparentTls,
};

/** Builds the proxy; nothing listens until `listen` is called. */
export function createProxy(deps: ProxyDeps): ProxyServer {
  const now = deps.now ?? Date.now;
  const native = deps.redirects === undefined ? nativeRedirectReader() : null;
  const redirects = native?.read ?? deps.redirects ?? null;
  const noRedirects = native?.why ?? 'turned off by the caller';
  const ctx: ProxyContext = {
    deps,
    now,
    live: new LiveTable(deps.settings.maxConnectionsPerSource),
    throttles: new ThrottleRegistry(),
    judgements: new JudgementMemo(),
    pool: new OriginPool({
      maxIdlePerOrigin: deps.settings.originPool?.maxIdlePerOrigin ?? 128,
      maxIdle: deps.settings.originPool?.maxIdle ?? 4096,
      // Below common origin keep-alive timeouts (Apache 5 s, nginx 75 s), as undici's 4 s is.
      idleTimeoutMs: Math.min(deps.settings.originPool?.idleTimeoutMs ?? 4000, deps.settings.idleTimeoutMs),
      // Ages, not timestamps: monotonic, whatever clock the records are stamped with.
      now: () => performance.now(),
    }),
    via: deps.settings.via ?? 'gatehouse',
    ports: {
      http: deps.settings.transparentPorts?.http ?? 80,
      tls: deps.settings.transparentPorts?.tls ?? 443,
    },
    redirects,
    classifier: createDestinationClassifier(deps.settings.domesticPrefixes),
  };
  let told = false;
  // Once, at the first transparent listener: which source its destinations come from, and why.
  const tell = () => {
    if (told) return;
    told = true;
    if (redirects !== null) {
      deps.logger.info(
        {},
        'proxy: transparent listeners send redirected connections to their original destination (SO_ORIGINAL_DST)',
      );
    } else {
      deps.logger.warn(
        { reason: noRedirects },
        `proxy: transparent listeners route by Host/SNI: SO_ORIGINAL_DST is unavailable (native addon: ${noRedirects})`,
      );
    }
  };
  const servers: ListeningServer[] = [];
  // One timer for every connection's time limits (LiveTable.sweep), at most a quarter of the
  // shortest limit late; it looks at every live flow, so not more often than needed either.
  const { headerTimeoutMs, idleTimeoutMs } = deps.settings;
  const every = Math.max(25, Math.min(250, headerTimeoutMs / 4, idleTimeoutMs / 4));
  const sweep = setInterval(() => ctx.live.sweep(sweepClock(), idleTimeoutMs), every).unref();
  return {
    async listen(kind: ListenerKind, host: string, port: number): Promise<AddressInfo> {
      const serve = SERVE[kind];
      const server = await listenTcp(host, port, (socket) => {
        try {
          serve(ctx, socket);
        } catch (err) {
          deps.logger.error({ listener: kind, err }, 'proxy: serving a new connection failed');
          deps.metrics.error(kind, 'internal');
          socket.destroy();
        }
      });
      servers.push(server);
      if (kind !== 'explicit') tell();
      deps.logger.info({ listener: kind, address: server.address }, 'proxy listening');
      return server.address;
    },
    connections: () => ctx.live.list(),
    end: (filter) => ctx.live.endOrder(filter.orderId),
    onPolicy(policy) {
      const ended = ctx.live.reevaluate(policy, now());
      if (ended > 0) deps.logger.info({ ended }, 'proxy: ended connections a new block order matches');
    },
    async close() {
      const all = servers.splice(0);
      await Promise.all(all.map((s) => s.close()));
      clearInterval(sweep);
      ctx.pool.close();
      ctx.throttles.close();
    },
  };
}

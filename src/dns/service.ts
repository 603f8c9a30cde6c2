/**
 * The DNS service: listeners, pipeline, cache and upstreams put together from the `dns`
 * configuration. Policy, identity, records and metrics come in from main.ts (dns never imports
 * the store or the control plane).
 */
import type { GatehouseConfig } from '../config/schema.js';
import type { Identity } from '../identity/cidr-map.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { DnsQueryRecord } from '../records/types.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { createCache } from './cache.js';
import type { DnsEnv, DnsPipelineMetrics } from './exchange.js';
import {
  type BoundListener,
  createListeners,
  type ListenerMetrics,
  type ListenSpec,
} from './listeners/index.js';
import { createDnsHandler } from './pipeline.js';
import { createRrl } from './rrl.js';
import { createUpstreamPool } from './upstreams/pool.js';

/** What the DNS service needs from the rest of the gateway. */
export interface DnsServiceDeps {
  readonly config: GatehouseConfig;
  policy(): CompiledPolicy;
  identity(address: string): Identity;
  /** `identity` for an IPv4 client already parsed to a u32 (the lease index's fastest path). */
  readonly identityV4?: ((address: number) => Identity) | undefined;
  record(r: DnsQueryRecord): void;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Certificate for DoT/DoH (required when either is configured). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /**
   * UDP and TCP sockets instead of `dns.listen` (a DNS worker's share of each SO_REUSEPORT group,
   * dns/workers/): bound fds to adopt, or else the addresses bound with `reusePort`.
   */
  readonly sockets?: {
    readonly udp: readonly ListenSpec[];
    readonly tcp: readonly ListenSpec[];
    readonly fds?: { readonly udp: readonly number[]; readonly tcp: readonly number[] };
  };
}

/** A running DNS service. */
export interface DnsService {
  readonly bound: readonly BoundListener[];
  readonly env: DnsEnv;
  close(): Promise<void>;
}

/** A counter child and what the hot path counted for it since the last scrape. */
interface Pending {
  readonly child: { inc(value: number): void };
  n: number;
}

/**
 * Runs `flush` before prom-client reads `counter` (for `/metrics` and the console's series
 * alike: both go through the metric's `collect` hook), keeping any hook already there.
 */
function flushOnCollect(counter: object, flush: () => void): void {
  const target = counter as { collect?: (this: unknown) => unknown };
  const previous = target.collect;
  target.collect = function collect(this: unknown) {
    flush();
    return previous?.call(this);
  };
}

function pipelineMetrics(m: Metrics): DnsPipelineMetrics {
  // The hot path adds to plain numbers, looked up without building a key string; prom-client
  // (which hashes and validates the label set on every inc) gets the sums when it is scraped.
  // ISPs come from configuration (prefixes, RADIUS clients), so the label set stays bounded.
  const answered = new Map<string, Map<string, Map<string, Pending>>[]>();
  const all: Pending[] = [];
  const cache = {
    hit: { child: m.dnsCache.labels({ result: 'hit' }), n: 0 },
    miss: { child: m.dnsCache.labels({ result: 'miss' }), n: 0 },
    stale: { child: m.dnsCache.labels({ result: 'stale' }), n: 0 },
  };
  const flush = (slots: Iterable<Pending>) => {
    for (const p of slots) {
      if (p.n === 0) continue;
      const n = p.n;
      p.n = 0;
      p.child.inc(n);
    }
  };
  flushOnCollect(m.dnsQueries, () => flush(all));
  flushOnCollect(m.dnsCache, () => flush(Object.values(cache)));
  return {
    answered: (transport, rcode, verdict, isp) => {
      let byRcode = answered.get(transport);
      if (byRcode === undefined) {
        byRcode = [];
        answered.set(transport, byRcode);
      }
      let byVerdict = byRcode[rcode];
      if (byVerdict === undefined) {
        byVerdict = new Map();
        byRcode[rcode] = byVerdict;
      }
      let byIsp = byVerdict.get(verdict);
      if (byIsp === undefined) {
        byIsp = new Map();
        byVerdict.set(verdict, byIsp);
      }
      let p = byIsp.get(isp);
      if (p === undefined) {
        const labels = { transport, rcode: String(rcode), verdict, isp: isp || 'none' };
        p = { child: m.dnsQueries.labels(labels), n: 0 };
        byIsp.set(isp, p);
        all.push(p);
      }
      p.n++;
    },
    cache: (result) => {
      cache[result].n++;
    },
    error: (transport, kind) => m.dnsErrors.inc({ transport, kind }),
  };
}

function listenerMetrics(m: Metrics): ListenerMetrics {
  return {
    onQuery: () => undefined,
    onError: (transport, kind) => m.dnsErrors.inc({ transport, kind }),
    onConnection: (transport, delta) => m.dnsConnections.inc({ transport }, delta),
  };
}

/** Builds and starts the DNS service. */
export async function startDnsService(deps: DnsServiceDeps): Promise<DnsService> {
  const c = deps.config.dns;
  const sec = (ms: number) => Math.round(ms / 1000);
  const pool = createUpstreamPool({
    upstreams: c.upstreams.map((u) => u.id),
    timeoutMs: c.upstreamTimeout,
    onRtt: (upstream, rttMs) => deps.metrics.dnsUpstreamSeconds.observe({ upstream }, rttMs / 1000),
  });
  const cache =
    c.cache.maxBytes > 0
      ? createCache({
          maxBytes: c.cache.maxBytes,
          minTtl: sec(c.cache.minTtl),
          maxTtl: sec(c.cache.maxTtl),
          maxNegativeTtl: sec(c.cache.negativeTtl),
          staleTtl: c.cache.serveStale ? sec(c.cache.staleTtl) : 0,
          prefetchHits: c.cache.prefetch ? 3 : Number.POSITIVE_INFINITY,
          now: Date.now,
        })
      : null;
  const rrl =
    c.rateLimit.responsesPerSecond > 0
      ? createRrl({
          responsesPerSecond: c.rateLimit.responsesPerSecond,
          slip: c.rateLimit.slip,
          ipv4Prefix: c.rateLimit.ipv4Prefix,
          ipv6Prefix: c.rateLimit.ipv6Prefix,
        })
      : null;
  const env: DnsEnv = {
    policy: deps.policy,
    identity: deps.identity,
    identityV4: deps.identityV4,
    cache,
    forward: (q) => pool.query(q),
    rateLimit: rrl ? (a) => rrl.check(a) : null,
    record: deps.record,
    metrics: pipelineMetrics(deps.metrics),
    settings: {
      ednsBufferSize: c.ednsBufferSize,
      blockTtl: sec(c.blockTtl),
      structuredErrors: c.structuredErrors,
      sdeOptionCode: c.sdeOptionCode,
      operatorUrl: deps.config.policy.operatorUrl,
      noticeAddresses: { ipv4: c.notice.ipv4 ?? null, ipv6: c.notice.ipv6 ?? null },
      soaMname: 'gatehouse.invalid',
      soaRname: 'hostmaster.gatehouse.invalid',
    },
    now: Date.now,
  };
  const listeners = createListeners(
    {
      udp: deps.sockets?.udp ?? c.listen,
      ...(deps.sockets
        ? { tcp: deps.sockets.tcp, socketFds: deps.sockets.fds, reusePort: deps.sockets.fds === undefined }
        : {}),
      dot: deps.tls ? c.dot : [],
      doh: deps.tls ? c.doh : [],
      maxUdpSize: c.ednsBufferSize,
      udpBatch: c.udpBatch,
      stream: { idleTimeoutMs: c.tcp.idleTimeout, maxConnectionsPerSource: c.tcp.maxConnectionsPerSource },
      ...(deps.tls ? { tls: deps.tls } : {}),
    },
    createDnsHandler(env),
    { metrics: listenerMetrics(deps.metrics), logger: deps.logger },
  );
  let bound: BoundListener[];
  try {
    bound = await listeners.start();
  } catch (err) {
    pool.close();
    throw err;
  }
  return {
    bound,
    env,
    async close() {
      await listeners.close();
      pool.close();
    },
  };
}

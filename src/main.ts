/**
 * The composition root: the only place that wires modules together. `gatehouse start` calls
 * `startGateway`; tests start it as a process on `127.0.0.1:0`.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { GatehouseConfig } from './config/schema.js';
import { workerCompiler } from './control/compiler.js';
import { type HealthExtras, startHealthServer } from './control/health.js';
import { createPolicyFeed, type PolicyFeed } from './control/policy-feed.js';
import { createLookup } from './dns/lookup.js';
import { type DnsService, startDnsService } from './dns/service.js';
import { ensureCertificate } from './dns/tls-cert.js';
import { createAccountingServer } from './identity/accounting.js';
import { CidrIdentityMap, type Identity } from './identity/cidr-map.js';
import { LeaseIndex } from './identity/lease-index.js';
import { createProxy } from './proxy/proxy.js';
import type { ListenerKind, ProxyServer } from './proxy/types.js';
import { type Records, startRecords } from './records/pipeline.js';
import { createPseudonymiser } from './records/pseudonym.js';
import { openStore } from './store/open.js';
import type { Store } from './store/types.js';
import { componentLogger, type Logger } from './telemetry/logger.js';
import { createMetrics, type Metrics } from './telemetry/metrics.js';

/** A running gateway. */
export interface Gateway {
  readonly store: Store;
  readonly feed: PolicyFeed;
  readonly metrics: Metrics;
  readonly records: Records;
  readonly dns: DnsService;
  readonly proxy: ProxyServer;
  /** Where each service ended up listening (ports resolved when 0 was asked). */
  readonly addresses: {
    readonly http: AddressInfo;
    readonly dns: DnsService['bound'];
    readonly proxy: readonly { kind: ListenerKind; address: AddressInfo }[];
  };
  close(): Promise<void>;
}

function storeUrl(config: GatehouseConfig): string {
  return config.store.kind === 'sqlite' ? `sqlite:${config.store.path}` : config.store.url;
}

/** With `http.listen` on port 0 (tests), notices link to the port actually bound. */
function withBoundUrl(config: GatehouseConfig, port: number): GatehouseConfig {
  if (config.http.listen.port !== 0 || !config.policy.operatorUrl.endsWith(':0')) return config;
  return {
    ...config,
    policy: { ...config.policy, operatorUrl: `${config.policy.operatorUrl.slice(0, -2)}:${port}` },
  };
}

function trackPolicy(feed: PolicyFeed, metrics: Metrics): void {
  const track = (p = feed.current()) => {
    metrics.policyOrders.set(p.stats.orders);
    metrics.policyRules.set({ kind: 'domain' }, p.stats.domainRules);
    metrics.policyRules.set({ kind: 'address' }, p.stats.addressRules);
    metrics.policyRules.set({ kind: 'url' }, p.stats.urlRules);
    metrics.policyCompileSeconds.set(feed.stats().compileMs / 1000);
  };
  track();
  feed.onChange(track);
}

/** Starts every configured service; on failure, closes what had started and rethrows. */
export async function startGateway(initial: GatehouseConfig, logger: Logger): Promise<Gateway> {
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const metrics = createMetrics();
    const store = await openStore(storeUrl(initial));
    closers.push(() => store.close());
    const feed = await createPolicyFeed({
      store,
      logger: componentLogger(logger, 'policy'),
      recompileMs: initial.policy.recompileInterval,
      // Compiles run in a worker thread: the data plane's event loop and heap stay out of it.
      compiler: workerCompiler(storeUrl(initial)),
    });
    closers.push(() => feed.close());
    trackPolicy(feed, metrics);
    const records = await startRecords({
      dataDir: initial.dataDir,
      batchSize: initial.records.batchSize,
      flushIntervalMs: initial.records.flushInterval,
      maxQueue: initial.records.maxQueue,
      spoolBytes: 1 << 30,
      onDrop: (kind, dropped, total) => {
        metrics.recordsDropped.inc({ kind }, dropped);
        logger.error({ kind, dropped, total }, 'records dropped: queue and spool are full');
      },
      onWritten: (kind, n) => metrics.recordsWritten.inc({ kind }, n),
    });
    closers.push(() => records.close());
    // The HTTP endpoint starts first so notices can link to its bound port; the proxy's
    // connections appear there once it runs.
    let proxyRef: ProxyServer | null = null;
    const extras: HealthExtras = {
      operatorUrl: initial.policy.operatorUrl,
      details: () => ({ records: records.stats() }),
      connections: () => proxyRef?.connections() ?? [],
      endConnections: (orderId) => proxyRef?.end({ orderId }) ?? 0,
    };
    const http = await startHealthServer(initial.http.listen, feed, metrics, extras);
    closers.push(() => new Promise<void>((resolve) => http.server.close(() => resolve())));
    const config = withBoundUrl(initial, http.address.port);
    extras.operatorUrl = config.policy.operatorUrl;
    const identity = await startIdentity(config, logger, metrics, closers);
    const dns = await startDns(config, logger, { feed, metrics, records, identity });
    closers.push(() => dns.close());
    const proxy = createProxy({
      policy: () => feed.current(),
      identity,
      lookup: createLookup(dns.env),
      record: (f) => records.flow(f),
      metrics: {
        connections: (listener, verdict) => metrics.proxyConnections.inc({ listener, verdict }),
        bytes: (direction, n) => metrics.proxyBytes.inc({ direction }, n),
        throttledBytes: (n) => metrics.proxyThrottledBytes.inc(n),
        active: (listener, delta) => metrics.proxyActive.inc({ listener }, delta),
        error: (listener, kind) => metrics.proxyErrors.inc({ listener, kind }),
      },
      logger: componentLogger(logger, 'proxy'),
      settings: {
        operatorUrl: config.policy.operatorUrl,
        headerTimeoutMs: config.proxy.headerTimeout,
        maxHeaderBytes: config.proxy.maxHeaderBytes,
        maxConnectionsPerSource: config.proxy.maxConnectionsPerSource,
        idleTimeoutMs: config.proxy.idleTimeout,
        connectTimeoutMs: config.proxy.connectTimeout,
        domesticPrefixes: config.proxy.domesticPrefixes,
      },
    });
    proxyRef = proxy;
    closers.push(() => proxy.close());
    feed.onChange((p) => proxy.onPolicy(p));
    const proxyBound: { kind: ListenerKind; address: AddressInfo }[] = [];
    const kinds: [ListenerKind, readonly { host: string; port: number }[]][] = [
      ['explicit', config.proxy.listen],
      ['transparent-http', config.proxy.transparentHttp],
      ['transparent-tls', config.proxy.transparentTls],
    ];
    for (const [kind, list] of kinds) {
      for (const l of list) proxyBound.push({ kind, address: await proxy.listen(kind, l.host, l.port) });
    }
    const addresses = { http: http.address, dns: dns.bound, proxy: proxyBound };
    logger.info(
      {
        http: `${http.address.address}:${http.address.port}`,
        dns: dns.bound.map((b) => `${b.transport} ${b.address}:${b.port}`),
        proxy: proxyBound.map((p) => `${p.kind} ${p.address.address}:${p.address.port}`),
      },
      'gatehouse started',
    );
    return { store, feed, metrics, records, dns, proxy, addresses, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function startDns(
  config: GatehouseConfig,
  logger: Logger,
  deps: {
    feed: PolicyFeed;
    metrics: Metrics;
    records: Records;
    identity: (a: string) => ReturnType<CidrIdentityMap['lookup']>;
  },
): Promise<DnsService> {
  const c = config.dns;
  let tls: { cert: string; key: string } | undefined;
  if (c.dot.length + c.doh.length > 0) {
    const cert = await ensureCertificate({
      certFile: c.tls.cert,
      keyFile: c.tls.key,
      dataDir: config.dataDir,
    });
    tls = { cert: cert.cert, key: cert.key };
    const log = { certFile: cert.certFile, fingerprint256: cert.fingerprint256 };
    if (cert.created)
      logger.warn(
        log,
        'created a self-signed certificate for DoT and DoH; clients must pin this fingerprint',
      );
    else logger.info(log, 'DoT and DoH certificate');
  }
  return startDnsService({
    config,
    policy: () => deps.feed.current(),
    identity: deps.identity,
    record: (r) => deps.records.dns(r),
    metrics: deps.metrics,
    logger: componentLogger(logger, 'dns'),
    ...(tls ? { tls } : {}),
  });
}

/**
 * Who a client address is: RADIUS leases when accounting is configured, else (and for addresses
 * without a lease) the configured CIDR map.
 */
async function startIdentity(
  config: GatehouseConfig,
  logger: Logger,
  metrics: Metrics,
  closers: (() => Promise<void> | void)[],
): Promise<(address: string) => Identity> {
  const map = new CidrIdentityMap(config.dns.identity.map);
  if (config.radius.listen.length === 0) return (a) => map.lookup(a);
  // Records and identities carry a per-epoch pseudonym, never the subscriber id.
  const pseudo = createPseudonymiser({ keyDir: join(config.dataDir, 'keys', 'pseudonym') });
  const leases = new LeaseIndex({ fallback: map, pseudonymOf: (isp, sub) => pseudo.pseudonym(isp, sub) });
  let epoch = pseudo.epoch();
  const clients = new Map(config.radius.clients.map((c) => [c.address, { isp: c.isp, secret: c.secret }]));
  const log = componentLogger(logger, 'radius');
  for (const at of config.radius.listen) {
    const server = createAccountingServer({
      address: at.host,
      port: at.port,
      secrets: clients,
      leases,
      logger: log,
      metrics: {
        onRequest: (status) => metrics.radiusRequests.inc({ status }),
        onDrop: (reason) => metrics.radiusDropped.inc({ reason }),
      },
    });
    const bound = await server.start();
    closers.push(() => server.close());
    log.info(
      { radius: `${bound.address}:${bound.port}`, clients: clients.size },
      'radius accounting listening',
    );
  }
  const sweep = setInterval(() => {
    const now = Date.now();
    if (pseudo.epoch() !== epoch) {
      epoch = pseudo.epoch();
      leases.refreshIdentities();
    }
    const closed = leases.sweep(now - config.radius.staleLease, now);
    if (closed > 0) log.info({ closed }, 'closed stale leases (missed Stops)');
  }, 10_000);
  sweep.unref();
  closers.push(() => clearInterval(sweep));
  return (a) => leases.lookup(a);
}

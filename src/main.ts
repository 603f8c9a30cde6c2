/**
 * The composition root: the only place that wires modules together (with its parts in src/main/:
 * identity, records, DNS and disconnect services). `gatehouse start` calls `startGateway`; tests
 * start it as a process on `127.0.0.1:0`.
 */
import type { AddressInfo } from 'node:net';
import { configLoadAct } from './audit/config-act.js';
import type { GatehouseConfig } from './config/schema.js';
import { workerCompiler } from './control/compiler.js';
import type { NodeState } from './control/context.js';
import { controlSettings, startControlPlane } from './control/plane.js';
import { createPolicyFeed, type PolicyFeed } from './control/policy-feed.js';
import { createLookup } from './dns/lookup.js';
import type { DnsService } from './dns/service.js';
import type { LeaseIndex } from './identity/lease-index.js';
import { SessionBook } from './identity/subscribers/sessions.js';
import { epochKeysOf, startIdentity } from './main/identity.js';
import { startMemoryTrim } from './main/memory.js';
import {
  everyMinute,
  recordsSink,
  SINK_YIELD_MODULE,
  startExporters,
  startRetention,
} from './main/records.js';
import { startDisconnects, startDns } from './main/services.js';
import { createProxy } from './proxy/proxy.js';
import type { ListenerKind, ProxyServer } from './proxy/types.js';
import { type Records, startRecords } from './records/pipeline.js';
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
    const trim = startMemoryTrim({
      onTrim: (released, micros) => {
        metrics.memoryTrims.inc({ released: String(released) });
        metrics.memoryTrimSeconds.inc(micros / 1e6);
      },
    });
    closers.push(() => trim.close());
    logger.info({ trim: trim.note }, 'memory trim');
    const store = await openStore(storeUrl(initial));
    closers.push(() => store.close());
    await store.audit.append(configLoadAct(initial));
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
      exporters: startExporters(initial, metrics, logger),
      // records.store = postgres://…: the nodes sharing it share records; the spool stays in front.
      ...recordsSink(initial),
      yieldModule: SINK_YIELD_MODULE,
    });
    closers.push(() => records.close());
    if (records.sinkThread !== null) logger.info({ scheduling: records.sinkThread }, 'records sink thread');
    // The HTTP endpoint starts first so notices can link to its bound port; the proxy's
    // connections appear there once it runs.
    let proxyRef: ProxyServer | null = null;
    const node: NodeState = {
      details: () => ({ records: records.stats() }),
      connections: () => proxyRef?.connections() ?? [],
      endConnections: (orderId) => proxyRef?.end({ orderId }) ?? 0,
    };
    const http = await startControlPlane({
      store,
      feed,
      metrics,
      logger,
      settings: controlSettings(initial),
      listen: initial.http.listen,
      node,
    });
    closers.push(() => http.close());
    const config = withBoundUrl(initial, http.address.port);
    http.settings.operatorUrl = config.policy.operatorUrl;
    let leaseIndex: LeaseIndex | null = null;
    const sessions = new SessionBook();
    // Pseudonym epoch keys: the data directory's files, or shared by every node on PostgreSQL records.
    const keys = epochKeysOf(config);
    closers.push(() => keys.close());
    const disconnects = await startDisconnects(config, logger, { store, feed, sessions }, closers);
    const identity = await startIdentity(
      config,
      logger,
      metrics,
      closers,
      keys,
      (l) => {
        leaseIndex = l;
      },
      (e) => {
        // Disconnect orders need the reverse of the lease index: a subscriber's sessions.
        sessions.apply(e);
        if (e.status === 'start') disconnects.poke();
      },
    );
    const reports = startRetention(config, logger, metrics, store, () => leaseIndex, closers, keys);
    // Order hits (console and register) and monthly totals come from the records database, so
    // they survive a restart; the grouping is heavy (off this thread: the retention worker or
    // PostgreSQL), so at most once a minute, not per view.
    node.hits = everyMinute(() => reports.orderHits());
    node.monthly = everyMinute(() => reports.monthlyTotals());
    const dns = await startDns(config, logger, {
      feed,
      metrics,
      records,
      identity,
      leases: () => leaseIndex,
    });
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

/**
 * The composition root: the only place that wires modules together. `gatehouse start` calls
 * `startGateway`; tests start it as a process on `127.0.0.1:0`.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Counter } from 'prom-client';
import { configLoadAct } from './audit/config-act.js';
import type { GatehouseConfig } from './config/schema.js';
import { workerCompiler } from './control/compiler.js';
import type { NodeState } from './control/context.js';
import { createHitCounter } from './control/hits.js';
import { controlSettings, startControlPlane } from './control/plane.js';
import { createPolicyFeed, type PolicyFeed } from './control/policy-feed.js';
import { createLookup } from './dns/lookup.js';
import { type DnsService, startDnsService } from './dns/service.js';
import { ensureCertificate } from './dns/tls-cert.js';
import { type AccountingEvent, createAccountingServer } from './identity/accounting.js';
import { CidrIdentityMap, type Identity } from './identity/cidr-map.js';
import { createDisconnectOrders, type DisconnectOrders } from './identity/disconnect-orders.js';
import { LeaseIndex } from './identity/lease-index.js';
import { resolveIdentityKey } from './identity/subscribers/key.js';
import { SessionBook } from './identity/subscribers/sessions.js';
import { createDestinationClassifier } from './proxy/destination-class.js';
import { createProxy } from './proxy/proxy.js';
import type { ListenerKind, ProxyServer } from './proxy/types.js';
import { createEpochKeyCache } from './records/epoch-key-cache.js';
import { type EpochKeyStore, fileEpochKeys, isEpochKeyFiles } from './records/epoch-keys.js';
import { postgresEpochKeys } from './records/epoch-keys-postgres.js';
import { createExporters } from './records/exporters/create.js';
import type { RecordExporter } from './records/exporters/exporter.js';
import { type Records, type RecordsDatabase, startRecords } from './records/pipeline.js';
import { type AsyncReports, openPostgresRecords, postgresRecordsUrl } from './records/postgres-records.js';
import { createPseudonymiser, DEFAULT_EPOCH_MS, type Pseudonymiser } from './records/pseudonym.js';
import { createReports, type Reports } from './records/report.js';
import { createRetentionJob } from './records/retention.js';
import { openRecordsDb, type RecordsDb } from './records/retention-db.js';
import { createDeferredPostgresSink } from './records/sinks/postgres-deferred.js';
import { recordsDbPath } from './records/sinks/sqlite.js';
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
    });
    closers.push(() => records.close());
    // Hit counts per order for the console and the register (no identities).
    const hits = createHitCounter();
    const counted: Records = {
      ...records,
      dns: (r) => {
        hits.dns(r);
        records.dns(r);
      },
      flow: (r) => {
        hits.flow(r);
        records.flow(r);
      },
    };
    // The HTTP endpoint starts first so notices can link to its bound port; the proxy's
    // connections appear there once it runs.
    let proxyRef: ProxyServer | null = null;
    const node: NodeState = {
      details: () => ({ records: records.stats() }),
      connections: () => proxyRef?.connections() ?? [],
      endConnections: (orderId) => proxyRef?.end({ orderId }) ?? 0,
      hits: () => hits.read(),
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
    // The public register and transparency report read the records database (figures survive a
    // restart); the grouping is synchronous, so it runs at most once a minute, not per page view.
    node.recordedHits = everyMinute(() => reports.orderHits());
    node.monthly = everyMinute(() => reports.monthlyTotals());
    const dns = await startDns(config, logger, { feed, metrics, records: counted, identity });
    closers.push(() => dns.close());
    const proxy = createProxy({
      policy: () => feed.current(),
      identity,
      lookup: createLookup(dns.env),
      record: (f) => counted.flow(f),
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
  keys: EpochKeyStore,
  onLeases?: (leases: LeaseIndex) => void,
  onAccounting?: (event: AccountingEvent) => void,
): Promise<(address: string) => Identity> {
  const map = new CidrIdentityMap(config.dns.identity.map);
  if (config.radius.listen.length === 0) return (a) => map.lookup(a);
  // Records and identities carry a per-epoch pseudonym, never the subscriber id.
  let leasesRef: LeaseIndex | null = null;
  const pseudo = await pseudonymiserOf(keys, logger, metrics, closers, () => leasesRef?.refreshIdentities());
  const leases = new LeaseIndex({ fallback: map, pseudonymOf: (isp, sub) => pseudo.pseudonym(isp, sub) });
  leasesRef = leases;
  onLeases?.(leases);
  let epoch = pseudo.epoch();
  const clients = new Map(config.radius.clients.map((c) => [c.address, { isp: c.isp, secret: c.secret }]));
  const log = componentLogger(logger, 'radius');
  for (const at of config.radius.listen) {
    const server = createAccountingServer({
      address: at.host,
      port: at.port,
      secrets: clients,
      leases,
      ...(onAccounting ? { onEvent: onAccounting } : {}),
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

/**
 * The records retention job (docs/records.md): rolls records up into daily aggregates, deletes
 * expired records and leases, destroys expired pseudonym keys (each destruction audited).
 */
function startRetention(
  config: GatehouseConfig,
  logger: Logger,
  metrics: Metrics,
  store: Store,
  leases: () => LeaseIndex | null,
  closers: (() => Promise<void> | void)[],
  keys: EpochKeyStore,
): Reports | AsyncReports {
  const r = config.records.retention;
  const classify = createDestinationClassifier(config.proxy.domesticPrefixes).classify;
  const url = postgresRecordsUrl(config.records);
  // PostgreSQL records: every node may run the job; the steps serialise on the database (postgres-records.ts).
  const pgRecords = url === undefined ? null : openPostgresRecords(url, classify);
  const db = pgRecords === null ? openRecordsDb(recordsDbPath(config.dataDir)) : null;
  const log = componentLogger(logger, 'retention');
  const job = createRetentionJob({
    ...(pgRecords === null ? { db: db as RecordsDb } : { steps: pgRecords.steps }),
    keys,
    retention: { dns: r.dns, flow: r.flow, lease: r.lease },
    intervalMs: r.interval,
    batchSize: r.batchSize,
    classify: createDestinationClassifier(config.proxy.domesticPrefixes).classify,
    leases: { prune: (before) => leases()?.pruneHistory(before) ?? 0 },
    onKeyDestroyed: async (epoch, at) => {
      const object = `pseudonym-key/${epoch}`;
      await store.audit.append({
        actor: 'system',
        action: 'records.key-destroy',
        object,
        details: { epoch, at },
      });
    },
    onRun: (res) => {
      metrics.retentionRuns.inc({ result: 'ok' });
      for (const [kind, n] of Object.entries(res.deleted)) metrics.retentionDeleted.inc({ kind }, n);
      metrics.retentionKeysDestroyed.inc(res.keysDestroyed.length);
      log.info(res, 'retention run');
    },
    onError: (err) => {
      metrics.retentionRuns.inc({ result: 'error' });
      log.error({ err }, 'retention run failed; retrying at the next interval');
    },
  });
  job.start();
  closers.push(async () => {
    await job.close();
    db?.close();
    await pgRecords?.close();
  });
  return pgRecords?.reports ?? createReports(db as RecordsDb, classify);
}

/** Epoch keys: shared in the records database when `records.store` is PostgreSQL (docs/records.md). */
function epochKeysOf(config: GatehouseConfig): EpochKeyStore {
  const url = postgresRecordsUrl(config.records);
  return url === undefined
    ? fileEpochKeys(join(config.dataDir, 'keys', 'pseudonym'))
    : postgresEpochKeys(url);
}

/**
 * The pseudonymiser. Key files are read on the spot, as ever; shared keys are loaded ahead of time
 * (epoch-key-cache.ts) so no pseudonym waits on the database. A shared key not at hand gives a
 * null pseudonym, counted and logged, never a key of this node's own (it would split pseudonyms).
 */
async function pseudonymiserOf(
  keys: EpochKeyStore,
  logger: Logger,
  metrics: Metrics,
  closers: (() => Promise<void> | void)[],
  onLoaded: () => void,
): Promise<Pseudonymiser> {
  if (isEpochKeyFiles(keys)) return createPseudonymiser({ keyDir: keys.keyDir });
  const missing = new Counter({
    name: 'gatehouse_pseudonym_key_missing_total',
    help: 'Identities given no pseudonym because the shared epoch key could not be loaded in time.',
    registers: [metrics.registry],
  });
  const log = componentLogger(logger, 'pseudonyms');
  let alarmed = -1;
  const cache = createEpochKeyCache({
    store: keys,
    epochMs: DEFAULT_EPOCH_MS,
    onMissing: (epoch) => {
      missing.inc();
      if (alarmed !== epoch)
        log.error({ epoch, keys: keys.where }, 'no shared epoch key: records get no pseudonym');
      alarmed = epoch;
    },
    onLoaded,
    onError: (err) => log.warn({ err, keys: keys.where }, 'loading shared epoch keys failed; retrying'),
  });
  closers.push(() => cache.close());
  if (!(await cache.start(5000))) log.error({ keys: keys.where }, 'shared epoch keys not loaded at start');
  return createPseudonymiser({ keys: cache });
}

/** `read`, computed at most once a minute (a failed asynchronous read is retried at the next call). */
function everyMinute<T>(read: () => T): () => T {
  let value: T | undefined;
  let at = Number.NEGATIVE_INFINITY;
  return () => {
    const now = Date.now();
    if (value === undefined || now - at >= 60_000) {
      value = read();
      at = now;
      if (value instanceof Promise) {
        value.catch(() => {
          at = Number.NEGATIVE_INFINITY;
        });
      }
    }
    return value;
  };
}

/** The records sink for `records.store` as a PostgreSQL URL (opened at the first write); none for `local`. */
function recordsSink(config: GatehouseConfig): { sink?: RecordsDatabase } {
  const url = postgresRecordsUrl(config.records);
  return url === undefined ? {} : { sink: createDeferredPostgresSink({ url }) };
}

/**
 * Subscriber identity and disconnect orders: the identity key is read (or, for a store that has
 * sealed nothing, created) and checked at start, so a missing or wrong key is reported at once; the
 * gateway runs on without it (only identity records need it). Active disconnect orders are checked
 * when the policy changes, when a session starts, and every 10 s.
 */
async function startDisconnects(
  config: GatehouseConfig,
  logger: Logger,
  deps: { store: Store; feed: PolicyFeed; sessions: SessionBook },
  closers: (() => Promise<void> | void)[],
): Promise<DisconnectOrders> {
  const log = componentLogger(logger, 'subscribers');
  const source = { keyFile: config.identity.keyFile, env: process.env };
  await resolveIdentityKey(source, deps.store.subscribers).catch((err: unknown) =>
    log.error(
      { err, code: (err as { code?: string }).code },
      'identity key unusable; subscriber records cannot be read or imported',
    ),
  );
  const r = config.radius;
  const disconnects = createDisconnectOrders({
    store: deps.store,
    sessions: deps.sessions,
    nases: r.disconnect,
    timeoutMs: r.disconnectTimeout,
    retries: r.disconnectRetries,
    logger: log,
  });
  deps.feed.onChange(() => disconnects.poke());
  disconnects.poke();
  closers.push(() => disconnects.close());
  return disconnects;
}

/** IPFIX and dnstap exporters (records.ipfix, records.dnstap): their drops are counted, never waited on. */
function startExporters(config: GatehouseConfig, metrics: Metrics, logger: Logger): RecordExporter[] {
  const dropped = new Counter({
    name: 'gatehouse_records_export_dropped_total',
    help: 'Records not exported because the collector was absent, failing or slow (they are still stored).',
    labelNames: ['exporter'],
    registers: [metrics.registry],
  });
  const log = componentLogger(logger, 'exporters');
  return createExporters(config.records, {
    version: 'gatehouse',
    onDrop: (exporter, n) => dropped.inc({ exporter }, n),
    onState: (exporter, up, error) =>
      up
        ? log.info({ exporter }, 'collector connected')
        : log.warn({ exporter, err: error?.message }, 'collector lost'),
  });
}

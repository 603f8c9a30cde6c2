/**
 * The composition root: the only place that wires modules together. `gatehouse start` calls
 * `startGateway`; tests call it too, with a configuration on `127.0.0.1:0`.
 */
import type { AddressInfo } from 'node:net';
import type { GatehouseConfig } from './config/schema.js';
import { startHealthServer } from './control/health.js';
import { createPolicyFeed, type PolicyFeed } from './control/policy-feed.js';
import { type DnsService, startDnsService } from './dns/service.js';
import { ensureCertificate } from './dns/tls-cert.js';
import { CidrIdentityMap } from './identity/cidr-map.js';
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
  /** Where each service ended up listening (ports resolved when 0 was asked). */
  readonly addresses: { readonly http: AddressInfo; readonly dns: DnsService['bound'] };
  close(): Promise<void>;
}

function storeUrl(config: GatehouseConfig): string {
  return config.store.kind === 'sqlite' ? `sqlite:${config.store.path}` : config.store.url;
}

/** Starts every configured service; on failure, closes what had started and rethrows. */
export async function startGateway(config: GatehouseConfig, logger: Logger): Promise<Gateway> {
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const metrics = createMetrics();
    const store = await openStore(storeUrl(config));
    closers.push(() => store.close());
    const feed = await createPolicyFeed({
      store,
      logger: componentLogger(logger, 'policy'),
      recompileMs: config.policy.recompileInterval,
    });
    closers.push(() => feed.close());
    const track = (p = feed.current()) => {
      metrics.policyOrders.set(p.stats.orders);
      metrics.policyRules.set({ kind: 'domain' }, p.stats.domainRules);
      metrics.policyRules.set({ kind: 'address' }, p.stats.addressRules);
      metrics.policyRules.set({ kind: 'url' }, p.stats.urlRules);
      metrics.policyCompileSeconds.set(feed.stats().compileMs / 1000);
    };
    track();
    feed.onChange(track);
    const records = await startRecords({
      dataDir: config.dataDir,
      batchSize: config.records.batchSize,
      flushIntervalMs: config.records.flushInterval,
      maxQueue: config.records.maxQueue,
      spoolBytes: 1 << 30,
      onDrop: (kind, dropped, total) => {
        metrics.recordsDropped.inc({ kind }, dropped);
        logger.error({ kind, dropped, total }, 'records dropped: queue and spool are full');
      },
      onWritten: (kind, n) => metrics.recordsWritten.inc({ kind }, n),
    });
    closers.push(() => records.close());
    const http = await startHealthServer(config.http.listen, feed, metrics, () => ({
      records: records.stats(),
    }));
    closers.push(() => new Promise<void>((resolve) => http.server.close(() => resolve())));
    const dns = await startDns(withBoundUrl(config, http.address.port), logger, { feed, metrics, records });
    closers.push(() => dns.close());
    const addresses = { http: http.address, dns: dns.bound };
    logger.info(
      {
        http: `${http.address.address}:${http.address.port}`,
        dns: dns.bound.map((b) => `${b.transport} ${b.address}:${b.port}`),
      },
      'gatehouse started',
    );
    return { store, feed, metrics, records, dns, addresses, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function startDns(
  config: GatehouseConfig,
  logger: Logger,
  deps: { feed: PolicyFeed; metrics: Metrics; records: Records },
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
  const identity = new CidrIdentityMap(c.identity.map);
  return startDnsService({
    config,
    policy: () => deps.feed.current(),
    identity: (a) => identity.lookup(a),
    record: (r) => deps.records.dns(r),
    metrics: deps.metrics,
    logger: componentLogger(logger, 'dns'),
    ...(tls ? { tls } : {}),
  });
}

/** With `http.listen` on port 0 (tests), notices link to the port actually bound. */
function withBoundUrl(config: GatehouseConfig, port: number): GatehouseConfig {
  if (config.http.listen.port !== 0 || !config.policy.operatorUrl.endsWith(':0')) return config;
  return {
    ...config,
    policy: { ...config.policy, operatorUrl: `${config.policy.operatorUrl.slice(0, -2)}:${port}` },
  };
}

/**
 * Part of the composition root (see main.ts): the DNS service with its certificate, and disconnect
 * orders with the subscriber identity key.
 */
import type { GatehouseConfig } from '../config/schema.js';
import type { PolicyFeed } from '../control/policy-feed.js';
import { type DnsService, startDnsService } from '../dns/service.js';
import { ensureCertificate } from '../dns/tls-cert.js';
import { startDnsWorkers } from '../dns/workers/pool.js';
import { planDnsWorkers, shareCache } from '../dns/workers/sockets.js';
import type { CidrIdentityMap } from '../identity/cidr-map.js';
import { createDisconnectOrders, type DisconnectOrders } from '../identity/disconnect-orders.js';
import type { LeaseIndex } from '../identity/lease-index.js';
import { resolveIdentityKey } from '../identity/subscribers/key.js';
import type { SessionBook } from '../identity/subscribers/sessions.js';
import type { Records } from '../records/pipeline.js';
import type { Store } from '../store/types.js';
import { componentLogger, type Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Closers } from './identity.js';
import { growOldGenerationsSlowly } from './memory.js';

export async function startDns(
  config: GatehouseConfig,
  logger: Logger,
  deps: {
    feed: PolicyFeed;
    metrics: Metrics;
    records: Records;
    identity: (a: string) => ReturnType<CidrIdentityMap['lookup']>;
    leases?: () => LeaseIndex | null;
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
  const dnsLog = componentLogger(logger, 'dns');
  const plan = planDnsWorkers(config);
  // With RADIUS on, the lease index exists by now (startIdentity has returned): batched UDP hands
  // it IPv4 clients as numbers. Without it, the CIDR map's text lookup (cached) is the only path.
  const leases = deps.leases?.() ?? null;
  const service = {
    config,
    policy: () => deps.feed.current(),
    identity: deps.identity,
    identityV4: leases === null ? undefined : (a: number) => leases.lookupV4(a),
    record: (r: Parameters<typeof deps.records.dns>[0]) => deps.records.dns(r),
    metrics: deps.metrics,
    logger: dnsLog,
    ...(tls ? { tls } : {}),
  };
  if (plan.sockets === null) {
    dnsLog.info({ workers: 1, why: plan.why }, 'dns runs on the main thread');
    return startDnsService(service);
  }
  // UDP and TCP in worker threads (dns/workers/); DoT, DoH and the proxy's lookups stay here.
  // The answer cache's memory is shared out among the workers' caches and main's.
  const shared = shareCache(config, plan.workers + 1);
  const heap = growOldGenerationsSlowly();
  const workers = await startDnsWorkers({
    config: shared,
    workers: plan.workers,
    sockets: plan.sockets,
    policy: service.policy,
    leases: deps.leases?.() ?? null,
    record: service.record,
    recordPacked: (batch) => deps.records.dnsPacked(batch),
    metrics: deps.metrics,
    logger: dnsLog,
  });
  deps.feed.onChange((p) => workers.setPolicy(p));
  dnsLog.info({ workers: plan.workers, sockets: plan.sockets, heap }, 'dns runs in worker threads');
  const crash = () => workers.crash(0);
  if (process.env.GATEHOUSE_TEST_HOOKS === '1') process.on('SIGUSR2', crash);
  // Here only DoT and DoH: UDP and TCP are the workers'.
  const main = await startDnsService({
    ...service,
    config: { ...shared, dns: { ...shared.dns, listen: [] } },
  }).catch(async (err: unknown) => {
    await workers.close();
    throw err;
  });
  return {
    bound: [...workers.bound, ...main.bound],
    env: main.env,
    async close() {
      process.off('SIGUSR2', crash);
      await workers.close();
      await main.close();
    },
  };
}

/**
 * Subscriber identity and disconnect orders: the identity key is read (or, for a store that has
 * sealed nothing, created) and checked at start, so a missing or wrong key is reported at once; the
 * gateway runs on without it (only identity records need it). Active disconnect orders are checked
 * when the policy changes, when a session starts, and every 10 s.
 */
export async function startDisconnects(
  config: GatehouseConfig,
  logger: Logger,
  deps: { store: Store; feed: PolicyFeed; sessions: SessionBook },
  closers: Closers,
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

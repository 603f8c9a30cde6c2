/**
 * Part of the composition root (see main.ts): who a client address is (CIDR map, RADIUS leases) and
 * the pseudonyms records carry.
 */
import { join } from 'node:path';
import { Counter } from 'prom-client';
import type { GatehouseConfig } from '../config/schema.js';
import { type AccountingEvent, createAccountingServer } from '../identity/accounting.js';
import { CidrIdentityMap, type Identity } from '../identity/cidr-map.js';
import { LeaseIndex } from '../identity/lease-index.js';
import { createEpochKeyCache } from '../records/epoch-key-cache.js';
import { type EpochKeyStore, fileEpochKeys, isEpochKeyFiles } from '../records/epoch-keys.js';
import { postgresEpochKeys } from '../records/epoch-keys-postgres.js';
import { postgresRecordsUrl } from '../records/postgres-records.js';
import { createPseudonymiser, DEFAULT_EPOCH_MS, type Pseudonymiser } from '../records/pseudonym.js';
import { componentLogger, type Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';

/** What to undo at shutdown, in reverse order. */
export type Closers = (() => Promise<void> | void)[];

/**
 * Who a client address is: RADIUS leases when accounting is configured, else (and for addresses
 * without a lease) the configured CIDR map.
 */
export async function startIdentity(
  config: GatehouseConfig,
  logger: Logger,
  metrics: Metrics,
  closers: Closers,
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

/** Epoch keys: shared in the records database when `records.store` is PostgreSQL (docs/records.md). */
export function epochKeysOf(config: GatehouseConfig): EpochKeyStore {
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
export async function pseudonymiserOf(
  keys: EpochKeyStore,
  logger: Logger,
  metrics: Metrics,
  closers: Closers,
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

/**
 * The composition root: the only place that wires modules together. `gatehouse start` calls
 * `startGateway`; tests call it too, with a configuration on `127.0.0.1:0`.
 */
import type { AddressInfo } from 'node:net';
import type { GatehouseConfig } from './config/schema.js';
import { startHealthServer } from './control/health.js';
import { createPolicyFeed, type PolicyFeed } from './control/policy-feed.js';
import { openStore } from './store/open.js';
import type { Store } from './store/types.js';
import { componentLogger, type Logger } from './telemetry/logger.js';
import { createMetrics, type Metrics } from './telemetry/metrics.js';

/** A running gateway. */
export interface Gateway {
  readonly store: Store;
  readonly feed: PolicyFeed;
  readonly metrics: Metrics;
  /** Where each service ended up listening (ports resolved when 0 was asked). */
  readonly addresses: { readonly http: AddressInfo };
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
    const http = await startHealthServer(config.http.listen, feed, metrics);
    closers.push(() => new Promise<void>((resolve) => http.server.close(() => resolve())));
    logger.info({ http: `${http.address.address}:${http.address.port}` }, 'gatehouse started');
    return { store, feed, metrics, addresses: { http: http.address }, close };
  } catch (err) {
    await close();
    throw err;
  }
}

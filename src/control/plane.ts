/**
 * Starts the control plane for `gatehouse start`: the fastify app on `http.listen`, the metrics
 * sampler, and the first admin account (its one-time password is logged once).
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { GatehouseConfig } from '../config/schema.js';
import { postgresRecordsUrl } from '../records/postgres-records.js';
import type { Store } from '../store/types.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { ensureFirstAdmin } from './bootstrap.js';
import type { ControlContext, ControlSettings, NodeState } from './context.js';
import type { PolicyFeed } from './policy-feed.js';
import { createSignInLimiter } from './rate-limit.js';
import { createMetricsSeries } from './series.js';
import { buildControlApp } from './server.js';

/** A running control plane. */
export interface ControlPlane {
  readonly app: FastifyInstance;
  readonly address: AddressInfo;
  /** Settings that depend on the bound port (notice links) are updated here. */
  readonly settings: ControlSettings;
  close(): Promise<void>;
}

/** The settings `gatehouse start` derives from the configuration. */
export function controlSettings(
  config: GatehouseConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ControlSettings {
  return {
    operatorUrl: config.policy.operatorUrl,
    maxOrderDurationMs: config.policy.maxOrderDuration,
    listErrorBudget: config.policy.listErrorBudget,
    bodyLimit: config.http.bodyLimit,
    uploadLimit: config.http.uploadLimit,
    sessionTtlMs: config.http.sessionTtl,
    sessionIdleMs: config.http.sessionIdle,
    secureCookies: config.http.secureCookies,
    dataDir: config.dataDir,
    ...(postgresRecordsUrl(config.records) === undefined ? {} : { recordsUrl: config.records.store }),
    consoleDir: null,
    access: config.access,
    identityKey: { keyFile: config.identity.keyFile, env },
    domesticPrefixes: config.proxy.domesticPrefixes,
  };
}

/** Everything `startControlPlane` needs. */
export interface ControlPlaneOptions {
  readonly store: Store;
  readonly feed: PolicyFeed;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly settings: ControlSettings;
  readonly node: NodeState;
  readonly listen: { host: string; port: number };
  readonly clock?: () => number;
}

function spooled(node: NodeState): number {
  const records = node.details?.().records as
    | { dns?: { spooled?: number }; flow?: { spooled?: number } }
    | undefined;
  return (records?.dns?.spooled ?? 0) + (records?.flow?.spooled ?? 0);
}

/** Builds the app, creates the first admin if there is none, and listens. */
export async function startControlPlane(o: ControlPlaneOptions): Promise<ControlPlane> {
  const clock = o.clock ?? Date.now;
  const series = createMetricsSeries(o.metrics.registry, clock, () => spooled(o.node));
  const ctx: ControlContext = {
    store: o.store,
    feed: o.feed,
    metrics: o.metrics,
    settings: o.settings,
    node: o.node,
    series,
    limiter: createSignInLimiter(clock),
    clock,
  };
  const first = await ensureFirstAdmin(o.store);
  if (first) {
    // Printed once, at the start that created it; only its scrypt hash is stored.
    o.logger.warn(
      { user: first.name, oneTimePassword: first.password },
      'created the first admin account: sign in at /console/ with this one-time password and change it',
    );
  }
  const app = await buildControlApp(ctx, { logger: o.logger });
  app.server.headersTimeout = 10_000;
  app.server.requestTimeout = 60_000;
  await app.listen({ host: o.listen.host, port: o.listen.port });
  series.start();
  return {
    app,
    address: app.server.address() as AddressInfo,
    settings: o.settings,
    async close() {
      series.stop();
      await app.close();
    },
  };
}

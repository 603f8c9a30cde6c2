/**
 * What the control plane's plugins are given: the store, the policy feed, the gateway's metrics
 * and the node's live state, all passed in by main.ts (no singletons). Each plugin is
 * `(app, ctx) => Promise<void>` and registered by the list in plugins/index.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { AccessConfig } from '../config/schema.js';
import type { KeySource } from '../identity/subscribers/key.js';
import type { MonthlyEnforcement, OrderHits } from '../portal/plugin.js';
import type { Store } from '../store/types.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { PolicyFeed } from './policy-feed.js';
import type { SignInLimiter } from './rate-limit.js';
import type { MetricsSeries } from './series.js';

/** Settings of the control plane (from the configuration's `http`, `policy`, `access`, `identity`). */
export interface ControlSettings {
  /** Public base URL of notices (`policy.operatorUrl`). */
  operatorUrl: string;
  maxOrderDurationMs: number;
  listErrorBudget: number;
  /** Largest request body in bytes (list uploads have their own limit). */
  bodyLimit: number;
  uploadLimit: number;
  /** Absolute session lifetime and idle timeout. */
  sessionTtlMs: number;
  sessionIdleMs: number;
  /** True when served over TLS (cookies get `Secure`). */
  secureCookies: boolean;
  /** Where `gatehouse start` keeps keys (the audit head signing key is read from here, never created). */
  dataDir: string | null;
  /** The records database on PostgreSQL (`records.store`), when records are not in `dataDir`. */
  recordsUrl?: string;
  /** The built console (`web/dist`), or null to look for it next to the package. */
  consoleDir: string | null;
  /** Warrants (`access`): crime categories, window, deadlines, result cap. */
  access: AccessConfig;
  /** Where the subscriber identity key is (`identity.keyFile`, GATEHOUSE_IDENTITY_KEY). */
  identityKey: KeySource;
  /**
   * `proxy.domesticPrefixes`: class targets (`class:international`) are refused when empty, and
   * "why is this blocked?" classifies an address with them as the proxy does.
   */
  domesticPrefixes?: readonly string[];
}

/** The node's live state, when the matching services run. */
export interface NodeState {
  details?: () => Record<string, unknown>;
  connections?: () => unknown[];
  /** Ends the live connections citing an order; returns how many. */
  endConnections?: (orderId: number) => number;
  /**
   * Hit counts per order from the records database (no identities; they survive restarts): one
   * source for the console and the public register, so the two never disagree.
   */
  hits?: () => ReadonlyMap<number, OrderHits> | Promise<ReadonlyMap<number, OrderHits>>;
  /** Blocks and throttles per month from the records database, for the transparency report. */
  monthly?: () => readonly MonthlyEnforcement[] | Promise<readonly MonthlyEnforcement[]>;
}

/** Everything a plugin may use. */
export interface ControlContext {
  readonly store: Store;
  readonly feed: PolicyFeed;
  readonly metrics: Metrics;
  readonly settings: ControlSettings;
  readonly node: NodeState;
  readonly series: MetricsSeries;
  readonly limiter: SignInLimiter;
  readonly clock: () => number;
}

/** One resource's routes. */
export type ControlPlugin = (app: FastifyInstance, ctx: ControlContext) => Promise<void>;

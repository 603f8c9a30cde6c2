/**
 * The policy feed: keeps a compiled snapshot of the orders in force and hands it to the data
 * plane. It polls the store's change stamp (one cheap query a second), recompiles off the hot
 * path when anything moved, sweeps expired orders to `expired`, and swaps one reference.
 * When the store is unreachable the last good snapshot stays in force (DESIGN.md principle 6).
 */

import { type CompiledPolicy, compilePolicy } from '../policy/compile.js';
import { dueForExpiry } from '../policy/lifecycle.js';
import type { Store } from '../store/types.js';
import type { Logger } from '../telemetry/logger.js';
import { inlineCompiler, type PolicyCompiler } from './compiler.js';

/** Options of the feed. */
export interface PolicyFeedOptions {
  readonly store: Store;
  readonly logger: Logger;
  /** Where compiles run (default: this thread). */
  readonly compiler?: PolicyCompiler;
  /** How often the change stamp is polled (default 1 s: a policy change takes effect within it). */
  readonly pollMs?: number;
  /** A full recompile at least this often, even without changes. */
  readonly recompileMs: number;
  readonly now?: () => number;
}

/** The current snapshot, and a way to hear about new ones. */
export interface PolicyFeed {
  current(): CompiledPolicy;
  /** Called with every new snapshot (worker threads, live-connection checks). */
  onChange(listener: (policy: CompiledPolicy) => void): void;
  /** Re-reads the store now (tests and `SIGHUP`). */
  refresh(): Promise<void>;
  stats(): { compiledAt: number; compileMs: number; compiles: number; failures: number };
  close(): void;
}

/** Compiles the first snapshot and starts polling. */
export async function createPolicyFeed(o: PolicyFeedOptions): Promise<PolicyFeed> {
  const now = o.now ?? Date.now;
  const compiler = o.compiler ?? inlineCompiler(o.store);
  const listeners: ((p: CompiledPolicy) => void)[] = [];
  let stamp = '';
  let lastCompile = 0;
  let compileMs = 0;
  let compiles = 0;
  let failures = 0;
  let policy = compilePolicy([], now());
  let busy: Promise<void> | null = null;

  async function rebuild(force: boolean): Promise<void> {
    const t = now();
    for (const change of dueForExpiry(
      await o.store.orders.list({
        status: ['active', 'suspended', 'pending-approval', 'draft'],
        includeExpired: true,
      }),
      t,
    )) {
      await o.store.orders.apply(change).catch(() => undefined); // lost a race with another node: fine
      o.logger.info({ orderId: change.orderId }, 'order expired');
    }
    const next = await o.store.orders.changeStamp();
    if (!force && next === stamp && t - lastCompile < o.recompileMs) return;
    const started = performance.now();
    const fresh = await compiler.compile(t);
    compileMs = performance.now() - started;
    stamp = next;
    lastCompile = t;
    compiles++;
    policy = fresh;
    o.logger.info({ ...fresh.stats, compileMs: Math.round(compileMs) }, 'policy compiled');
    for (const l of listeners) l(fresh);
  }

  function tick(force: boolean): Promise<void> {
    busy ??= rebuild(force)
      .catch((err) => {
        failures++;
        o.logger.error({ err }, 'policy refresh failed; the last good policy stays in force');
      })
      .finally(() => {
        busy = null;
      });
    return busy;
  }

  await rebuild(true);
  const timer = setInterval(() => void tick(false), o.pollMs ?? 1000);
  timer.unref();
  return {
    current: () => policy,
    onChange: (l) => listeners.push(l),
    refresh: () => tick(true),
    stats: () => ({ compiledAt: policy.createdAt, compileMs, compiles, failures }),
    close: () => {
      clearInterval(timer);
      void compiler.close();
    },
  };
}

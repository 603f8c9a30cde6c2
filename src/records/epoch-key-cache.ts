/**
 * Shared epoch keys, loaded ahead of time so the pseudonymiser never waits on the network
 * (DESIGN principle 6): at start and then every `refreshMs` the keys of the current AND the next
 * epoch are fetched (made if need be) from the shared store, so when the epoch turns its key is
 * already in memory, a whole epoch early.
 *
 * When a key is not at hand anyway (the database was unreachable since before the epoch began),
 * `live` answers null: records get a null pseudonym, `onMissing` counts it and the gateway alarms.
 * It never falls back to a key of this node's own: that would silently split one subscriber into
 * one pseudonym per node, which no warrant could put back together. Loads are retried every
 * `retryMs` until they succeed; `onLoaded` then lets the gateway rebuild the identities it holds.
 */
import type { EpochKeyStore } from './epoch-keys.js';
import type { LiveEpochKeys } from './pseudonym.js';

/** Options of `createEpochKeyCache`. */
export interface EpochKeyCacheOptions {
  readonly store: EpochKeyStore;
  /** Epoch length (as the pseudonymiser's). */
  readonly epochMs: number;
  readonly now?: () => number;
  /** Time between refreshes (default 5 min; at most a quarter of an epoch). */
  readonly refreshMs?: number;
  /** Time before retrying a failed refresh (default 5 s). */
  readonly retryMs?: number;
  /** The live path needed `epoch`'s key and did not have it. */
  readonly onMissing?: (epoch: number) => void;
  /** Keys arrived that were not at hand before (identities built without them can be rebuilt). */
  readonly onLoaded?: (epochs: readonly number[]) => void;
  /** A refresh failed (it is retried after `retryMs`). */
  readonly onError?: (err: unknown) => void;
}

/** The cache: synchronous reads for the pseudonymiser, asynchronous loads behind it. */
export interface EpochKeyCache extends LiveEpochKeys {
  /** Loads the current and the next epoch's keys now; resolves true when both are at hand. */
  refresh(): Promise<boolean>;
  /**
   * Refreshes now, waits for it at most `waitMs` (a node starts while the database is down), then
   * keeps refreshing on a timer. Resolves true when the keys were loaded in time.
   */
  start(waitMs: number): Promise<boolean>;
  /** The epochs whose keys are in memory, ascending. */
  held(): number[];
  close(): void;
}

/** Creates the cache over a shared key store; nothing loads until `refresh` or `start`. */
export function createEpochKeyCache(o: EpochKeyCacheOptions): EpochKeyCache {
  const now = o.now ?? Date.now;
  const every = Math.max(1, Math.min(o.refreshMs ?? 300_000, Math.floor(o.epochMs / 4)));
  const retry = o.retryMs ?? 5000;
  const keys = new Map<number, Buffer>();
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let inFlight: Promise<boolean> | null = null;

  const load = async (): Promise<boolean> => {
    const e = Math.floor(now() / o.epochMs);
    const added: number[] = [];
    for (const epoch of [e, e + 1]) {
      if (keys.has(epoch)) continue;
      keys.set(epoch, await o.store.getOrCreate(epoch));
      added.push(epoch);
    }
    // The previous epoch stays for `existing` around the turn; older ones are dropped from memory.
    for (const epoch of keys.keys()) if (epoch < e - 1) keys.delete(epoch);
    if (added.length > 0) o.onLoaded?.(added);
    return true;
  };
  const refresh = (): Promise<boolean> => {
    inFlight ??= load()
      .catch((err: unknown) => {
        o.onError?.(err);
        return false;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };
  const schedule = (ms: number) => {
    if (closed) return;
    timer = setTimeout(() => {
      refresh().then((ok) => schedule(ok ? every : retry));
    }, ms);
    timer.unref();
  };

  return {
    live(epoch) {
      const key = keys.get(epoch) ?? null;
      if (key === null) o.onMissing?.(epoch);
      return key;
    },
    existing: (epoch) => keys.get(epoch) ?? null,
    refresh,
    async start(waitMs) {
      const first = refresh();
      let waited: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => {
        waited = setTimeout(() => resolve(false), waitMs);
      });
      const ok = await Promise.race([first, late]);
      clearTimeout(waited);
      // A first load still running past the wait goes on; the timer takes over after it.
      first.then((done) => schedule(done ? every : retry));
      return ok;
    },
    held: () => [...keys.keys()].sort((a, b) => a - b),
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}

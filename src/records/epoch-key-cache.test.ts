/**
 * Shared epoch keys loaded ahead of time: with an injected clock, the next epoch's key is in memory
 * before the epoch turns, so the pseudonymiser crosses the boundary without touching the store; a
 * key that could not be loaded gives a null pseudonym and a counted miss, never a local key; and a
 * failed load is retried until the key arrives.
 */
import { describe, expect, it, vi } from 'vitest';
import { createEpochKeyCache } from './epoch-key-cache.js';
import type { EpochKeyStore } from './epoch-keys.js';
import { createPseudonymiser } from './pseudonym.js';

const EPOCH = 1000; // a short epoch, in ms of the injected clock

/** An in-memory shared store that can be taken down; counts the calls it answers. */
function memoryStore() {
  const keys = new Map<number, Buffer>();
  const state = { down: false, calls: 0 };
  const reach = () => {
    state.calls++;
    if (state.down) throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
  };
  const store: EpochKeyStore = {
    where: 'memory',
    async getOrCreate(epoch) {
      reach();
      if (!keys.has(epoch)) keys.set(epoch, Buffer.alloc(32, epoch % 251));
      return keys.get(epoch) as Buffer;
    },
    async get(epoch) {
      reach();
      return keys.get(epoch) ?? null;
    },
    list: async () => [...keys.keys()],
    destroy: async (epoch) => keys.delete(epoch),
    close: async () => {},
  };
  return { store, keys, state };
}

describe('epoch key cache', () => {
  it('holds the current and the next epoch after a refresh, and drops old ones', async () => {
    let t = 5 * EPOCH + 10;
    const { store } = memoryStore();
    const cache = createEpochKeyCache({ store, epochMs: EPOCH, now: () => t });
    expect(await cache.refresh()).toBe(true);
    expect(cache.held()).toEqual([5, 6]);
    t = 8 * EPOCH;
    await cache.refresh();
    expect(cache.held()).toEqual([8, 9]);
  });

  it('crosses the epoch boundary with the key loaded ahead, without reaching the store', async () => {
    let t = 7 * EPOCH - 1;
    const { store, keys, state } = memoryStore();
    const missing: number[] = [];
    const cache = createEpochKeyCache({
      store,
      epochMs: EPOCH,
      now: () => t,
      onMissing: (e) => missing.push(e),
    });
    await cache.refresh();
    const p = createPseudonymiser({ keys: cache, epochMs: EPOCH, now: () => t });
    const before = p.pseudonym('isp-a', 'sub-1');
    expect(before).toMatch(/^p6-/);
    state.down = true;
    const calls = state.calls;
    t = 7 * EPOCH; // the epoch turns while the store is unreachable
    const after = p.pseudonym('isp-a', 'sub-1');
    expect(after).toMatch(/^p7-/);
    expect(state.calls).toBe(calls);
    expect(missing).toEqual([]);
    // The same key another node would use: the store's key of epoch 7.
    const other = createPseudonymiser({
      keys: { live: () => keys.get(7) ?? null, existing: () => null },
      epochMs: EPOCH,
      now: () => t,
    });
    expect(other.pseudonym('isp-a', 'sub-1')).toBe(after);
  });

  it('gives a null pseudonym and counts the miss when the key could not be loaded in time', async () => {
    let t = 3 * EPOCH;
    const { store, state } = memoryStore();
    const missing: number[] = [];
    const errors: unknown[] = [];
    const cache = createEpochKeyCache({
      store,
      epochMs: EPOCH,
      now: () => t,
      onMissing: (e) => missing.push(e),
      onError: (e) => errors.push(e),
    });
    await cache.refresh();
    state.down = true;
    t = 5 * EPOCH; // two epochs on, the store down since before the turn
    expect(await cache.refresh()).toBe(false);
    expect(errors).toHaveLength(1);
    const p = createPseudonymiser({ keys: cache, epochMs: EPOCH, now: () => t });
    expect(p.pseudonym('isp-a', 'sub-1')).toBeNull();
    expect(p.pseudonymAt('isp-a', 'sub-1', t)).toBeNull();
    expect(missing).toEqual([5, 5]);
    // Once the store is back, the next refresh brings the key and the pseudonym returns.
    state.down = false;
    const loaded: (readonly number[])[] = [];
    const back = createEpochKeyCache({
      store,
      epochMs: EPOCH,
      now: () => t,
      onLoaded: (e) => loaded.push(e),
    });
    await back.refresh();
    expect(loaded).toEqual([[5, 6]]);
    expect(
      createPseudonymiser({ keys: back, epochMs: EPOCH, now: () => t }).pseudonym('isp-a', 'sub-1'),
    ).toMatch(/^p5-/);
  });

  it('refreshes on a timer: retries a failed start, then loads each next epoch before it begins', async () => {
    let t = 2 * EPOCH + 100;
    const { store, state } = memoryStore();
    state.down = true;
    const loaded: number[] = [];
    const cache = createEpochKeyCache({
      store,
      epochMs: EPOCH,
      now: () => t,
      refreshMs: 10,
      retryMs: 10,
      onLoaded: (e) => loaded.push(...e),
    });
    try {
      expect(await cache.start(50)).toBe(false);
      expect(cache.live(2)).toBeNull();
      state.down = false;
      await vi.waitFor(() => expect(cache.held()).toEqual([2, 3]), { timeout: 2000, interval: 5 });
      t = 3 * EPOCH + 1; // epoch 3 began: its key was already there; the timer fetches epoch 4's
      expect(cache.live(3)).not.toBeNull();
      await vi.waitFor(() => expect(cache.held()).toEqual([2, 3, 4]), { timeout: 2000, interval: 5 });
      expect(loaded).toEqual([2, 3, 4]);
    } finally {
      cache.close();
    }
  });
});

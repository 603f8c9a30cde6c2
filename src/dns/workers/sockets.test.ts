import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { nativeAddon } from '../../native/index.js';
import { planDnsWorkers, shareCache } from './sockets.js';

const config = (workers: number | 'auto', listen = ['127.0.0.1:0']) =>
  loadConfig({ overrides: { dns: { workers, listen } } });
const withSockets = nativeAddon() !== null ? 'native' : null;

describe('planDnsWorkers', () => {
  it.each([
    { workers: 1 as const, cpus: 8, expected: 1, why: /dns.workers is 1/ },
    { workers: 'auto' as const, cpus: 2, expected: 1, why: /auto and 2 CPUs/ },
    { workers: 'auto' as const, cpus: 1, expected: 1, why: /auto and 1 CPUs/ },
  ])('keeps the main thread: workers=$workers on $cpus CPUs', ({ workers, cpus, expected, why }) => {
    const plan = planDnsWorkers(config(workers), cpus);
    expect(plan.workers).toBe(expected);
    expect(plan.sockets).toBeNull();
    expect(plan.why).toMatch(why);
  });

  it('keeps the main thread without plain DNS addresses', () => {
    expect(planDnsWorkers(config(4, []), 8)).toMatchObject({ workers: 1, sockets: null });
  });

  it.runIf(withSockets)(
    'runs workers with the native sockets: auto caps at 16, a number is taken as is',
    () => {
      expect(planDnsWorkers(config('auto'), 64)).toEqual({ workers: 16, sockets: 'native', why: '' });
      expect(planDnsWorkers(config('auto'), 4)).toMatchObject({ workers: 4, sockets: 'native' });
      expect(planDnsWorkers(config(2), 2)).toMatchObject({ workers: 2, sockets: 'native' });
    },
  );
});

describe('shareCache', () => {
  it('divides dns.cache.maxBytes among the DNS threads and leaves everything else as it was', () => {
    const c = loadConfig({ overrides: { dns: { workers: 2, cache: { maxBytes: '64MiB' } } } });
    const shared = shareCache(c, 3);
    expect(shared.dns.cache.maxBytes).toBe(Math.floor((64 * 1024 * 1024) / 3));
    expect(shared.dns.cache.maxBytes * 3).toBeLessThanOrEqual(c.dns.cache.maxBytes);
    expect({ ...shared.dns.cache, maxBytes: 0 }).toEqual({ ...c.dns.cache, maxBytes: 0 });
    expect({ ...shared.dns, cache: null }).toEqual({ ...c.dns, cache: null });
    expect(c.dns.cache.maxBytes).toBe(64 * 1024 * 1024); // the operator's config is not changed
  });

  it('keeps a disabled cache disabled and one thread whole', () => {
    const off = loadConfig({ overrides: { dns: { cache: { maxBytes: 0 } } } });
    expect(shareCache(off, 3).dns.cache.maxBytes).toBe(0);
    const one = loadConfig({});
    expect(shareCache(one, 1).dns.cache.maxBytes).toBe(one.dns.cache.maxBytes);
  });
});

import * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { type CacheConfig, cacheableTtl, cacheKey, createCache } from './cache.js';

const encode = (p: unknown): Buffer => dnsPacket.encode(p as dnsPacket.Packet);
const SOA = {
  mname: 'ns.example',
  rname: 'host.example',
  serial: 1,
  refresh: 1,
  retry: 1,
  expire: 1,
  minimum: 120,
};

function answer(name: string, ttls: number[], extra: Record<string, unknown> = {}): Buffer {
  return encode({
    type: 'response',
    id: 1,
    flags: dnsPacket.RECURSION_AVAILABLE,
    questions: [{ type: 'A', name }],
    answers: ttls.map((ttl, i) => ({ type: 'A', name, ttl, data: `192.0.2.${i + 1}` })),
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0 }],
    ...extra,
  });
}

function negative(name: string, rcode: number, soaTtl: number, withSoa = true): Buffer {
  return answer(name, [], {
    flags: rcode,
    authorities: withSoa ? [{ type: 'SOA', name: 'example', ttl: soaTtl, data: SOA }] : [],
  });
}

function setup(over: Partial<CacheConfig> = {}) {
  const clock = { t: 1_000_000 };
  const cache = createCache({ maxBytes: 1 << 20, now: () => clock.t, ...over });
  return { clock, cache };
}

const KEY = cacheKey('www.example.com', 1, 1, false);
const ttls = (buf: Buffer) => (dnsPacket.decode(buf).answers ?? []).map((a) => (a as { ttl?: number }).ttl);

describe('cacheableTtl', () => {
  it.each([
    { title: 'positive: min over answers', buf: answer('a.example', [300, 60]), ttl: 60, negative: false },
    {
      title: 'NXDOMAIN: min(SOA TTL, MINIMUM) (RFC 2308 §5)',
      buf: negative('a.example', 3, 900),
      ttl: 120,
      negative: true,
    },
    { title: 'NODATA: SOA TTL below MINIMUM', buf: negative('a.example', 0, 30), ttl: 30, negative: true },
  ])('$title', ({ buf, ttl, negative: neg }) => {
    expect(cacheableTtl(buf, buf.length)).toEqual({ ttl, negative: neg });
  });

  it.each([
    { title: 'negative without SOA', buf: negative('a.example', 3, 0, false) },
    { title: 'SERVFAIL', buf: answer('a.example', [60], { flags: 2 }) },
    { title: 'truncated (TC=1)', buf: answer('a.example', [60], { flags: dnsPacket.TRUNCATED_RESPONSE }) },
  ])('refuses $title', ({ buf }) => {
    expect(cacheableTtl(buf, buf.length)).toBeNull();
  });
});

describe('DnsCache', () => {
  it('keys on lowercase name, type, class and DO', () => {
    expect(cacheKey('a.example', 1, 1, true)).not.toBe(cacheKey('a.example', 1, 1, false));
  });

  it.each([
    [28, 1, true],
    [28, 1, false],
    [1, 1, true],
    [1, 3, false],
    [65535, 65535, true],
    [0, 255, false],
  ])(
    'writes the key as "name type/class/DO" (type %i, class %i, DO %s), suffix table full or not',
    (qtype, qclass, d) => {
      // Past the bounded suffix table's size the key is built directly, and reads the same.
      for (let t = 1000; t < 2100; t++) cacheKey('fill.example', t, 3, false);
      expect(cacheKey('a.example', qtype, qclass, d)).toBe(`a.example ${qtype}/${qclass}/${d ? 1 : 0}`);
    },
  );

  it('keys A, class IN, no DO by the name alone, and never lets a name with a space pose as another key', () => {
    expect(cacheKey('a.example', 1, 1, false)).toBe('a.example');
    // A name with a space (not from the wire: readName escapes it) takes the long form.
    expect(cacheKey('a.example 28/1/0', 1, 1, false)).toBe('a.example 28/1/0 1/1/0');
    expect(cacheKey('a.example 28/1/0', 1, 1, false)).not.toBe(cacheKey('a.example', 28, 1, false));
    // Names with slashes (legal in a label, and not escaped) cannot reach the long form's suffix.
    expect(cacheKey('a.example/28/1/0', 1, 1, false)).not.toBe(cacheKey('a.example', 28, 1, false));
    const keys = new Set<string>();
    for (const name of ['a.example', 'a.example 1/1/0', 'a.example 28/1/0', 'a.example/28/1/0'])
      for (const [t, c, d] of [
        [1, 1, false],
        [28, 1, false],
        [1, 1, true],
      ] as const)
        keys.add(cacheKey(name, t, c, d));
    expect(keys.size).toBe(12);
  });

  it('serves with TTLs decremented by age and the caller ID', () => {
    const { clock, cache } = setup();
    expect(cache.set(KEY, answer('www.example.com', [300, 100]))).toBe(true);
    clock.t += 40_500;
    const hit = cache.get(KEY, { id: 0x1234 })!;
    expect(ttls(hit.response)).toEqual([260, 60]);
    expect(hit).toMatchObject({ stale: false, ttl: 60 });
    expect(hit.response.readUInt16BE(0)).toBe(0x1234);
  });

  it('copies the client QNAME case into the answer', () => {
    const { cache } = setup();
    cache.set(KEY, answer('www.example.com', [300]));
    const q = encode({ type: 'query', id: 5, questions: [{ type: 'A', name: 'wWw.ExAmple.com' }] });
    const hit = cache.get(KEY, { query: { buf: q, qnameEnd: 12 + 17 } })!;
    expect(dnsPacket.decode(hit.response).questions?.[0].name).toBe('wWw.ExAmple.com');
  });

  it('clamps to minTtl and maxTtl when storing', () => {
    const { cache } = setup({ minTtl: 60, maxTtl: 200 });
    cache.set(KEY, answer('www.example.com', [5, 9999]));
    expect(ttls(cache.get(KEY)!.response)).toEqual([60, 200]);
  });

  it('caches NXDOMAIN for the negative TTL, capped by maxNegativeTtl', () => {
    const { clock, cache } = setup({ maxNegativeTtl: 100 });
    cache.set(KEY, negative('www.example.com', 3, 900));
    clock.t += 99_000;
    expect((cache.get(KEY)?.response[3] ?? 0) & 0xf).toBe(3);
    clock.t += 1_000;
    expect(cache.get(KEY)).toBeNull();
  });

  it('serves stale with TTL 30 and EDE 3 only when asked, inside the window (RFC 8767)', () => {
    const { clock, cache } = setup({ staleTtl: 3600 });
    cache.set(KEY, answer('www.example.com', [60]));
    clock.t += 61_000;
    expect(cache.get(KEY)).toBeNull();
    const hit = cache.get(KEY, { stale: true })!;
    expect(hit).toMatchObject({ stale: true, ttl: 0 });
    expect(ttls(hit.response)).toEqual([30]);
    const opt = dnsPacket.decode(hit.response).additionals?.[0] as unknown as {
      options: Array<{ code: number; data: Buffer }>;
    };
    expect(opt.options).toEqual([{ code: 15, type: 'OPTION_15', data: Buffer.from([0, 3]) }]);
    clock.t += 3600_000;
    expect(cache.get(KEY, { stale: true })).toBeNull();
    expect(cache.stats().entries).toBe(0);
  });

  it('signals prefetch once for a popular entry in its last 10%', () => {
    const { clock, cache } = setup({ prefetchHits: 2 });
    cache.set(KEY, answer('www.example.com', [100]));
    expect(cache.get(KEY)?.prefetch).toBe(false);
    clock.t += 89_000;
    expect(cache.get(KEY)?.prefetch).toBe(false);
    clock.t += 2_000;
    expect(cache.get(KEY)?.prefetch).toBe(true);
    expect(cache.get(KEY)?.prefetch).toBe(false);
    cache.set(KEY, answer('www.example.com', [100]));
    expect(cache.get(KEY)?.prefetch).toBe(false);
  });

  it('evicts least recently used entries past maxBytes', () => {
    const one = answer('n0.example', [60]);
    const { cache } = setup({ maxBytes: (one.length + 200) * 3 });
    const keys = [0, 1, 2, 3].map((i) => cacheKey(`n${i}.example`, 1, 1, false));
    cache.set(keys[0], answer('n0.example', [60]));
    cache.set(keys[1], answer('n1.example', [60]));
    cache.set(keys[2], answer('n2.example', [60]));
    cache.get(keys[0]);
    cache.set(keys[3], answer('n3.example', [60]));
    expect(cache.get(keys[1])).toBeNull();
    expect(cache.get(keys[0])).not.toBeNull();
    expect(cache.stats()).toMatchObject({ entries: 3, evictions: 1 });
    expect(cache.stats().bytes).toBeLessThanOrEqual((one.length + 200) * 3);
  });

  it('spares a hit entry once: when every entry was hit, the oldest still goes after one sweep', () => {
    const one = answer('n0.example', [60]);
    const { cache } = setup({ maxBytes: (one.length + 200) * 3 });
    const keys = [0, 1, 2, 3, 4].map((i) => cacheKey(`n${i}.example`, 1, 1, false));
    for (const i of [0, 1, 2]) cache.set(keys[i], answer(`n${i}.example`, [60]));
    for (const i of [0, 1, 2]) cache.get(keys[i]);
    cache.set(keys[3], answer('n3.example', [60]));
    // n0, n1, n2 were spared (unmarked, in that order) and n0 went first.
    expect(cache.get(keys[0])).toBeNull();
    expect(cache.stats()).toMatchObject({ entries: 3, evictions: 1 });
    cache.set(keys[4], answer('n4.example', [60]));
    expect(cache.get(keys[1])).toBeNull();
    expect(cache.get(keys[2])).not.toBeNull();
    expect(cache.get(keys[3])).not.toBeNull();
    expect(cache.get(keys[4])).not.toBeNull();
  });

  it('stays within maxBytes and keeps the entries hit most under churn', () => {
    const one = answer('n0.example', [60]);
    const { cache } = setup({ maxBytes: (one.length + 200) * 50 });
    const key = (i: number) => cacheKey(`n${i}.example`, 1, 1, false);
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    for (let round = 0; round < 2000; round++) {
      // Names 0..9 are asked for every round; the rest once each, to push them out.
      for (let hot = 0; hot < 10; hot++)
        if (cache.get(key(hot)) === null) cache.set(key(hot), answer(`n${hot}.example`, [600]));
      const cold = 10 + Math.floor(random() * 100_000);
      cache.set(key(cold), answer(`n${cold}.example`, [600]));
      expect(cache.stats().bytes).toBeLessThanOrEqual((one.length + 200) * 50);
    }
    const { hits, misses, evictions } = cache.stats();
    expect(evictions).toBeGreaterThan(1000);
    // The hot names were fetched once each and then always hit.
    expect(misses).toBe(10);
    expect(hits).toBe(2000 * 10 - 10);
  });

  it('does not cache uncacheable answers and never shares stored bytes', () => {
    const { cache } = setup();
    expect(cache.set(KEY, answer('www.example.com', [60], { flags: 2 }))).toBe(false);
    const buf = answer('www.example.com', [60]);
    cache.set(KEY, buf);
    buf.fill(0);
    const first = cache.get(KEY)!.response;
    first.fill(0);
    expect(ttls(cache.get(KEY)!.response)).toEqual([60]);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AuthDns, type AuthDnsOptions, startAuthDns } from '../../../test/fixtures/auth-dns.js';
import { createTestCert, type TestCert } from '../../../test/fixtures/tls.js';
import { encodeQuery } from '../../../test/helpers/dns-client.js';
import { openSockets, settleSockets } from '../../../test/helpers/handles.js';
import { isGatehouseError } from '../../core/errors.js';
import { createUpstreamPool, type UpstreamPool, type UpstreamPoolConfig } from './pool.js';

const zones = { 'example.test': { records: { www: { type: 'A' as const, data: '192.0.2.1' } } } };
const servers: AuthDns[] = [];
let pool: UpstreamPool | undefined;
let cert: TestCert;
beforeAll(async () => {
  cert = await createTestCert();
});
afterAll(() => cert.cleanup());
afterEach(async () => {
  pool?.close();
  pool = undefined;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(opts: AuthDnsOptions = {}): Promise<AuthDns> {
  const dns = await startAuthDns({ zones, log: true, ...opts });
  servers.push(dns);
  return dns;
}

function makePool(upstreams: string[], config: Partial<UpstreamPoolConfig> = {}): UpstreamPool {
  pool = createUpstreamPool({
    upstreams,
    timeoutMs: 200,
    health: { intervalMs: 0 },
    exploreRatio: 0,
    ...config,
  });
  return pool;
}

const at = (d: AuthDns) => `127.0.0.1:${d.port}`;
const q = (name = 'www.example.test') => encodeQuery(name, 'A', { id: 0x0a0b });
const codeOf = (err: unknown) => (isGatehouseError(err) ? err.code : String(err));

describe('createUpstreamPool forwarding', () => {
  it('forwards over UDP and reports the upstream and RTT', async () => {
    const dns = await serve();
    const rtts: [string, number][] = [];
    const p = makePool([at(dns)], { onRtt: (u, ms) => rtts.push([u, ms]) });
    const r = await p.query(q());
    expect(dnsPacket.decode(r.response)).toMatchObject({ id: 0x0a0b, answers: [{ data: '192.0.2.1' }] });
    expect(r.upstream).toBe(at(dns));
    expect(r.rttMs).toBeGreaterThanOrEqual(0);
    expect(rtts).toEqual([[at(dns), r.rttMs]]);
    expect(dns.log.map((x) => x.transport)).toEqual(['udp']);
  });

  it('asks again over TCP when the UDP answer is truncated (RFC 1035 §4.2.1)', async () => {
    const dns = await serve({ truncateUdp: true });
    const p = makePool([at(dns)]);
    const r = await p.query(q());
    expect(dnsPacket.decode(r.response)).toMatchObject({ flag_tc: false, answers: [{ data: '192.0.2.1' }] });
    expect(dns.log.map((x) => x.transport)).toEqual(['udp', 'tcp']);
    expect(p.stats()[0].truncated).toBe(1);
  });

  it('goes straight to TCP when asked to', async () => {
    const dns = await serve();
    await makePool([at(dns)]).query(q(), { tcp: true });
    expect(dns.log.map((x) => x.transport)).toEqual(['tcp']);
  });

  it('forwards to an IPv6 upstream on ::1 over UDP and TCP', async () => {
    const dns = await serve({ host: '::1', truncateUdp: true });
    const r = await makePool([`[::1]:${dns.port}`]).query(q());
    expect(r.upstream).toBe(`[::1]:${dns.port}`);
    expect(dns.log.map((x) => x.transport)).toEqual(['udp', 'tcp']);
  });

  it('forwards over DNS over TLS with the configured CA', async () => {
    const dns = await serve({ tls: cert });
    const id = `tls://127.0.0.1:${dns.tlsPort}#localhost`;
    const r = await makePool([id], { tls: { ca: cert.cert } }).query(q());
    expect(r.upstream).toBe(id);
    expect(dns.log.map((x) => x.transport)).toEqual(['tls']);
  });

  it.each([
    ['timeout', 'drop'],
    ['SERVFAIL', 'servfail'],
    ['REFUSED', 'refused'],
  ] as const)('fails over to the next upstream on %s', async (_what, failMode) => {
    const bad = await serve({ failMode });
    const good = await serve();
    const p = makePool([at(bad), at(good)]);
    const r = await p.query(q());
    expect(r.upstream).toBe(at(good));
    expect(bad.queries).toBeGreaterThan(0);
    const [badStats] = p.stats();
    expect(badStats.timeouts).toBe(failMode === 'drop' ? 1 : 0);
  });

  it('rejects with GH_ERR_DNS_UPSTREAM_FAILED and one detail per upstream when all fail', async () => {
    const a = await serve({ failMode: 'servfail' });
    const b = await serve({ failMode: 'drop' });
    const err = await makePool([at(a), at(b)])
      .query(q())
      .catch((e: unknown) => e);
    expect(codeOf(err)).toBe('GH_ERR_DNS_UPSTREAM_FAILED');
    expect(isGatehouseError(err) && err.details).toEqual([
      `${at(a)}: SERVFAIL`,
      expect.stringContaining(at(b)),
    ]);
  });

  it('rejects a malformed query with GH_ERR_DNS_UPSTREAM_QUERY without sending it', async () => {
    const dns = await serve();
    const err = await makePool([at(dns)])
      .query(Buffer.from('nonsense'))
      .catch((e: unknown) => e);
    expect(codeOf(err)).toBe('GH_ERR_DNS_UPSTREAM_QUERY');
    expect(dns.queries).toBe(0);
  });

  it('rejects with the abort reason, without counting a failure', async () => {
    const dns = await serve({ delayMs: 300 });
    const p = makePool([at(dns)], { timeoutMs: 1000 });
    const ac = new AbortController();
    const pending = p.query(q(), { signal: ac.signal });
    ac.abort(new Error('client gone'));
    await expect(pending).rejects.toThrow('client gone');
    expect(p.stats()[0]).toMatchObject({ failures: 0, inFlight: 0 });
  });
});

describe('createUpstreamPool health and choice', () => {
  it('marks an upstream down after downAfter failed probes and up after one success', async () => {
    const a = await serve({ failMode: 'drop' });
    const b = await serve();
    const p = makePool([at(a), at(b)], { timeoutMs: 100, health: { intervalMs: 0, downAfter: 2 } });
    await p.checkHealth();
    expect(p.stats()[0]).toMatchObject({ healthy: true, consecutiveFailures: 1 });
    await p.checkHealth();
    expect(p.stats()[0]).toMatchObject({ healthy: false, consecutiveFailures: 2 });
    expect(p.stats()[1].healthy).toBe(true);
    const before = a.queries;
    for (let i = 0; i < 5; i++) expect((await p.query(q())).upstream).toBe(at(b));
    expect(a.queries).toBe(before);
    a.setFailMode(null);
    await p.checkHealth();
    expect(p.stats()[0]).toMatchObject({ healthy: true, consecutiveFailures: 0 });
  });

  it('counts a SERVFAIL probe as a failure but an NXDOMAIN probe as a success', async () => {
    const sf = await serve({ failMode: 'servfail' });
    const nx = await serve();
    const p = makePool([at(sf), at(nx)], {
      health: { intervalMs: 0, downAfter: 1, name: 'nope.example.test' },
    });
    await p.checkHealth();
    expect(p.stats().map((s) => s.healthy)).toEqual([false, true]);
  });

  it('still tries upstreams marked down when every healthy one fails', async () => {
    const a = await serve();
    const p = makePool([at(a)], { health: { intervalMs: 0, downAfter: 1 } });
    a.setFailMode('drop');
    await p.checkHealth();
    expect(p.stats()[0].healthy).toBe(false);
    a.setFailMode(null);
    expect((await p.query(q())).upstream).toBe(at(a));
    expect(p.stats()[0].healthy).toBe(true);
  });

  it('prefers the upstream with the lower mean RTT', async () => {
    const slow = await serve({ delayMs: 40 });
    const fast = await serve();
    const p = makePool([at(slow), at(fast)], { timeoutMs: 1000 });
    await p.checkHealth(); // measures both
    const used = [];
    for (let i = 0; i < 10; i++) used.push((await p.query(q())).upstream);
    expect(used).toEqual(new Array(10).fill(at(fast)));
    const [s, f] = p.stats();
    expect(s.rttEwmaMs!).toBeGreaterThan(f.rttEwmaMs!);
  });

  it('explores: some queries go to a slower healthy upstream', async () => {
    const slow = await serve({ delayMs: 20 });
    const fast = await serve();
    let roll = 0;
    const p = makePool([at(slow), at(fast)], {
      timeoutMs: 1000,
      exploreRatio: 0.5,
      random: () => (roll++ % 4) / 4,
    });
    await p.checkHealth();
    const used = new Set<string>();
    for (let i = 0; i < 8; i++) used.add((await p.query(q())).upstream);
    expect(used).toEqual(new Set([at(slow), at(fast)]));
  });

  it('runs the probe on its own timer', async () => {
    const dns = await serve();
    makePool([at(dns)], { health: { intervalMs: 30 } });
    await new Promise((r) => setTimeout(r, 200));
    expect(dns.log.length).toBeGreaterThanOrEqual(2);
    expect(dns.log[0]).toMatchObject({ name: '.', type: 'NS' });
  });
});

describe('createUpstreamPool lifecycle', () => {
  it('reads the system resolvers when no upstream is configured, without sending anything', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-resolv-'));
    try {
      await writeFile(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\nnameserver ::1\n');
      const p = makePool([], { resolvConfPath: join(dir, 'resolv.conf') });
      expect(p.stats().map((s) => s.upstream)).toEqual(['127.0.0.1:53', '[::1]:53']);
      p.close();
      const fallback = makePool([], { resolvConfPath: join(dir, 'missing') });
      expect(fallback.stats().map((s) => s.upstream)).toEqual(['127.0.0.1:53']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('throws GH_ERR_DNS_UPSTREAM_CONFIG for a malformed upstream', () => {
    expect(() => makePool(['dns.example'])).toThrow(
      expect.objectContaining({ code: 'GH_ERR_DNS_UPSTREAM_CONFIG' }),
    );
  });

  it('close() fails waiting queries, refuses new ones and leaves no handles behind', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((h) => h === 'Timeout').length;
    const baseline = openSockets();
    const baselineTimers = timers();
    const dns = await startAuthDns({ zones, tls: cert, delayMs: 50 });
    const p = createUpstreamPool({
      upstreams: [at(dns), `tcp://127.0.0.1:${dns.port}`, `tls://127.0.0.1:${dns.tlsPort}#localhost`],
      timeoutMs: 1000,
      tls: { ca: cert.cert },
      health: { intervalMs: 1000 },
    });
    await p.checkHealth();
    const waiting = p.query(q()).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 10));
    p.close();
    expect(codeOf(await waiting)).toBe('GH_ERR_DNS_UPSTREAM_FAILED');
    expect(codeOf(await p.query(q()).catch((e: unknown) => e))).toBe('GH_ERR_DNS_UPSTREAM_FAILED');
    expect(p.stats().every((s) => s.inFlight === 0)).toBe(true);
    await dns.close();
    expect(await settleSockets(baseline)).toBe(baseline);
    // Nothing of ours is left ticking (the runner's own timers may come and go).
    expect(timers()).toBeLessThanOrEqual(baselineTimers);
  });
});

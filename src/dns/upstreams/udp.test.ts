import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { type AuthDns, type AuthDnsOptions, startAuthDns } from '../../../test/fixtures/auth-dns.js';
import { encodeQuery } from '../../../test/helpers/dns-client.js';
import { openSockets, settleSockets } from '../../../test/helpers/handles.js';
import { isGatehouseError } from '../../core/errors.js';
import { parseUpstream } from './spec.js';
import { UdpTransport, type UdpTransportOptions } from './udp.js';

const zones = { 'example.test': { records: { www: { type: 'A' as const, data: '192.0.2.1' } } } };
let dns: AuthDns | undefined;
let udp: UdpTransport | undefined;
afterEach(async () => {
  udp?.close();
  await dns?.close();
  udp = undefined;
  dns = undefined;
});

async function setup(opts: AuthDnsOptions = {}, transport: UdpTransportOptions = {}) {
  dns = await startAuthDns({ zones, log: true, ...opts });
  udp = new UdpTransport(parseUpstream(`127.0.0.1:${dns.port}`), transport);
  return { dns, udp };
}

const codeOf = (err: unknown) => (isGatehouseError(err) ? err.code : String(err));

describe('UdpTransport', () => {
  it('sends under a fresh random ID and restores the caller ID on the answer (RFC 5452 §4.3)', async () => {
    const { dns, udp } = await setup();
    const answer = dnsPacket.decode(
      await udp.exchange(encodeQuery('www.example.test', 'A', { id: 0x4242 }), 1000),
    );
    expect(answer.id).toBe(0x4242);
    expect(answer.answers?.[0]).toMatchObject({ type: 'A', data: '192.0.2.1' });
    for (let i = 0; i < 4; i++)
      await udp.exchange(encodeQuery('www.example.test', 'A', { id: 0x4242 }), 1000);
    // Five random IDs all equal to the caller's would be a 2^-80 coincidence.
    expect(dns.log.some((q) => q.id !== 0x4242)).toBe(true);
    expect(udp.inFlight).toBe(0);
  });

  it('rewrites IDs: concurrent queries carrying the same caller ID all get their own answer', async () => {
    const { dns, udp } = await setup({ answerAll: '192.0.2.9' });
    const names = Array.from({ length: 30 }, (_, i) => `n${i}.other`);
    const answers = await Promise.all(names.map((n) => udp.exchange(encodeQuery(n, 'A', { id: 1 }), 1000)));
    expect(answers.map((a) => dnsPacket.decode(a).questions?.[0].name)).toEqual(names);
    expect(answers.every((a) => a.readUInt16BE(0) === 1)).toBe(true);
    expect(new Set(dns.log.map((q) => `${q.from}/${q.id}`)).size).toBe(30);
  });

  it('spreads queries over several source ports (RFC 5452 §9.2)', async () => {
    const { dns, udp } = await setup({ answerAll: '192.0.2.9' }, { sockets: 4, queriesPerSocket: 2 });
    for (let i = 0; i < 24; i++) await udp.exchange(encodeQuery(`p${i}.other`), 1000);
    expect(new Set(dns.log.map((q) => q.from)).size).toBeGreaterThan(4);
  });

  it.each(['id', 'question'] as const)(
    'ignores a forged answer with the wrong %s (RFC 5452 §9.1)',
    async (spoof) => {
      let ignored = 0;
      const { udp } = await setup({ spoof }, { onIgnored: () => ignored++ });
      const answer = dnsPacket.decode(await udp.exchange(encodeQuery('www.example.test'), 1000));
      expect(answer.questions?.[0].name).toBe('www.example.test');
      expect(answer.answers?.[0]).toMatchObject({ data: '192.0.2.1' });
      expect(ignored).toBe(1);
    },
  );

  it('times out with GH_ERR_DNS_UPSTREAM_TIMEOUT after retransmitting once', async () => {
    const { dns, udp } = await setup({ failMode: 'drop' });
    const err = await udp.exchange(encodeQuery('www.example.test'), 150, 60).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('GH_ERR_DNS_UPSTREAM_TIMEOUT');
    expect(dns.queries).toBe(2);
    expect(udp.inFlight).toBe(0);
  });

  it('fails fast with GH_ERR_DNS_UPSTREAM_FAILED when the port is closed (ICMP unreachable)', async () => {
    const gone = await startAuthDns();
    await gone.close();
    udp = new UdpTransport(parseUpstream(`127.0.0.1:${gone.port}`));
    const started = Date.now();
    const err = await udp.exchange(encodeQuery('www.example.test'), 5000).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('GH_ERR_DNS_UPSTREAM_FAILED');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('rejects with the abort reason and forgets the query', async () => {
    const { udp } = await setup({ delayMs: 500 });
    const ac = new AbortController();
    const pending = udp.exchange(encodeQuery('www.example.test'), 2000, 2000, ac.signal);
    ac.abort(new Error('client went away'));
    await expect(pending).rejects.toThrow('client went away');
    expect(udp.inFlight).toBe(0);
  });

  it('close() fails waiting queries and refuses new ones', async () => {
    const { udp } = await setup({ delayMs: 500 });
    const pending = udp.exchange(encodeQuery('www.example.test'), 2000).catch((e: unknown) => e);
    udp.close();
    expect(codeOf(await pending)).toBe('GH_ERR_DNS_UPSTREAM_FAILED');
    expect(codeOf(await udp.exchange(encodeQuery('x.test'), 100).catch((e: unknown) => e))).toBe(
      'GH_ERR_DNS_UPSTREAM_FAILED',
    );
  });

  it('close() also closes retired sockets still waiting for answers', async () => {
    const { udp } = await setup({ delayMs: 300 }, { sockets: 1, queriesPerSocket: 1 });
    const before = openSockets();
    const waiting = Array.from({ length: 5 }, (_, i) =>
      udp.exchange(encodeQuery(`w${i}.example.test`), 2000).catch((e: unknown) => e),
    );
    expect(udp.inFlight).toBe(5);
    await new Promise((r) => setTimeout(r, 50)); // sockets open once connect() has run
    expect(openSockets()).toBe(before + 5);
    udp.close();
    expect((await Promise.all(waiting)).map(codeOf)).toEqual(new Array(5).fill('GH_ERR_DNS_UPSTREAM_FAILED'));
    expect(await settleSockets(before)).toBe(before);
  });

  it('refuses a malformed query with GH_ERR_DNS_UPSTREAM_QUERY', async () => {
    const { udp } = await setup();
    const err = await udp.exchange(Buffer.alloc(5), 100).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('GH_ERR_DNS_UPSTREAM_QUERY');
  });
});

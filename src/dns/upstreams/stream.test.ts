import net from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AuthDns, type AuthDnsOptions, startAuthDns } from '../../../test/fixtures/auth-dns.js';
import { createTestCert, type TestCert } from '../../../test/fixtures/tls.js';
import { encodeQuery } from '../../../test/helpers/dns-client.js';
import { isGatehouseError } from '../../core/errors.js';
import { parseUpstream } from './spec.js';
import { StreamTransport, type StreamTransportOptions } from './stream.js';

const zones = { 'example.test': { records: { www: { type: 'A' as const, data: '192.0.2.1' } } } };
let cert: TestCert;
let dns: AuthDns | undefined;
let stream: StreamTransport | undefined;
beforeAll(async () => {
  cert = await createTestCert();
});
afterAll(() => cert.cleanup());
afterEach(async () => {
  stream?.close();
  await dns?.close();
  stream = undefined;
  dns = undefined;
});

async function setup(
  upstream: (d: AuthDns) => string,
  opts: AuthDnsOptions = {},
  transport: StreamTransportOptions = {},
) {
  dns = await startAuthDns({ zones, log: true, tls: cert, ...opts });
  stream = new StreamTransport(parseUpstream(upstream(dns)), transport);
  return { dns, stream };
}

const codeOf = (err: unknown) => (isGatehouseError(err) ? err.code : String(err));

describe('StreamTransport over TCP', () => {
  it('pipelines concurrent queries on one connection and matches out-of-order answers (RFC 7766 §6.2.1.1, §7)', async () => {
    const n = 25;
    // Earlier queries wait longer, so answers come back in reverse order.
    const delayMs = (q: { name: string }) => (n - Number(q.name.slice(1).split('.')[0])) * 8;
    const { dns, stream } = await setup((d) => `tcp://127.0.0.1:${d.port}`, {
      answerAll: '192.0.2.7',
      delayMs,
    });
    const names = Array.from({ length: n }, (_, i) => `q${i}.other`);
    const order: string[] = [];
    const answers = await Promise.all(
      names.map(async (name, i) => {
        const a = await stream.exchange(encodeQuery(name, 'A', { id: i }), 2000);
        order.push(name);
        return a;
      }),
    );
    expect(answers.map((a) => [a.readUInt16BE(0), dnsPacket.decode(a).questions?.[0].name])).toEqual(
      names.map((name, i) => [i, name]),
    );
    // Out of order: the first query sent, delayed most, is answered among the last.
    expect(order).not.toEqual(names);
    expect(order.indexOf(names[0])).toBeGreaterThan(n / 2);
    expect(dns.connections).toBe(1);
    expect(dns.log.every((q) => q.transport === 'tcp')).toBe(true);
  });

  it('reuses the connection for later queries, and opens a new one after the idle timeout', async () => {
    const { dns, stream } = await setup((d) => `tcp://127.0.0.1:${d.port}`, {}, { idleMs: 50 });
    await stream.exchange(encodeQuery('www.example.test'), 1000);
    await stream.exchange(encodeQuery('www.example.test'), 1000);
    expect(dns.connections).toBe(1);
    await new Promise((r) => setTimeout(r, 150));
    expect(stream.connections).toBe(0);
    await stream.exchange(encodeQuery('www.example.test'), 1000);
    expect(dns.connections).toBe(2);
  });

  it('times out with GH_ERR_DNS_UPSTREAM_TIMEOUT and keeps the connection usable', async () => {
    const { dns, stream } = await setup((d) => `tcp://127.0.0.1:${d.port}`, { failMode: 'drop' });
    expect(codeOf(await stream.exchange(encodeQuery('www.example.test'), 100).catch((e: unknown) => e))).toBe(
      'GH_ERR_DNS_UPSTREAM_TIMEOUT',
    );
    dns.setFailMode(null);
    expect(
      dnsPacket.decode(await stream.exchange(encodeQuery('www.example.test'), 1000)).answers,
    ).toHaveLength(1);
    expect(dns.connections).toBe(1);
  });

  it('fails with GH_ERR_DNS_UPSTREAM_FAILED when nothing listens', async () => {
    const gone = await startAuthDns();
    await gone.close();
    stream = new StreamTransport(parseUpstream(`tcp://127.0.0.1:${gone.port}`));
    expect(
      codeOf(await stream.exchange(encodeQuery('www.example.test'), 2000).catch((e: unknown) => e)),
    ).toBe('GH_ERR_DNS_UPSTREAM_FAILED');
  });

  it('sends once more on a new connection what a server closing early left unanswered', async () => {
    let accepted = 0;
    const server = net.createServer((socket) => {
      if (++accepted === 1) {
        socket.once('data', () => socket.destroy());
        return;
      }
      socket.once('data', (frame: Buffer) => {
        const q = dnsPacket.decode(frame.subarray(2));
        socket.write(dnsPacket.streamEncode({ ...q, type: 'response', answers: [] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as net.AddressInfo).port;
      stream = new StreamTransport(parseUpstream(`tcp://127.0.0.1:${port}`));
      const answer = await stream.exchange(encodeQuery('www.example.test', 'A', { id: 9 }), 2000);
      expect(answer.readUInt16BE(0)).toBe(9);
      expect(accepted).toBe(2);
    } finally {
      stream?.close();
      await new Promise((r) => server.close(r));
    }
  });

  it('close() fails waiting queries', async () => {
    const { stream } = await setup((d) => `tcp://127.0.0.1:${d.port}`, { delayMs: 500 });
    const pending = stream.exchange(encodeQuery('www.example.test'), 2000).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    stream.close();
    expect(codeOf(await pending)).toBe('GH_ERR_DNS_UPSTREAM_FAILED');
    expect(stream.connections).toBe(0);
  });
});

describe('StreamTransport over TLS (RFC 7858)', () => {
  it('answers through a verified TLS connection', async () => {
    const { dns, stream } = await setup(
      (d) => `tls://127.0.0.1:${d.tlsPort}#localhost`,
      {},
      { tls: { ca: cert.cert } },
    );
    const answers = await Promise.all(
      [1, 2, 3].map((id) => stream.exchange(encodeQuery('www.example.test', 'A', { id }), 2000)),
    );
    expect(answers.map((a) => dnsPacket.decode(a).id)).toEqual([1, 2, 3]);
    expect(dns.log.map((q) => q.transport)).toEqual(['tls', 'tls', 'tls']);
    expect(dns.connections).toBe(1);
  });

  it('verifies against the IP when no servername is given', async () => {
    const { stream } = await setup((d) => `tls://127.0.0.1:${d.tlsPort}`, {}, { tls: { ca: cert.cert } });
    expect(
      dnsPacket.decode(await stream.exchange(encodeQuery('www.example.test'), 2000)).answers,
    ).toHaveLength(1);
  });

  it.each([
    ['an untrusted certificate', '#localhost', false],
    ['a servername the certificate lacks', '#dns.example', true],
  ])('refuses %s', async (_what, suffix, trusted) => {
    const ca = trusted ? { ca: cert.cert } : {};
    const { dns, stream } = await setup((d) => `tls://127.0.0.1:${d.tlsPort}${suffix}`, {}, { tls: ca });
    expect(
      codeOf(await stream.exchange(encodeQuery('www.example.test'), 2000).catch((e: unknown) => e)),
    ).toBe('GH_ERR_DNS_UPSTREAM_FAILED');
    expect(dns.queries).toBe(0);
  });
});

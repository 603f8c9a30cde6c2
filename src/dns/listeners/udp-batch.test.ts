/**
 * What only the batch listener does (the shared contract runs against both UDP listeners in
 * udp.test.ts): many datagrams per callback, slots and MSG_TRUNC, answers after their batch,
 * closing with work in flight, adopted fds and worker threads.
 */
import dgram from 'node:dgram';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, test } from 'vitest';
import { nativeAddon } from '../../native/index.js';
import type { DnsHandler, Listener } from './contract.js';
import { capturing, delayed, echoHandler, makeQuery, recordingMetrics } from './testing.js';
import type { UdpListenerOptions } from './udp.js';
import { createUdpBatchListener } from './udp-batch.js';
import { chooseUdpPath, hasUdpBatch } from './udp-path.js';

const addon = nativeAddon();
const open: Listener[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
});

/** A bound client socket (bound first, so that every send below leaves in the same turn). */
async function client(host = '127.0.0.1'): Promise<{ s: dgram.Socket; got: Buffer[] }> {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const got: Buffer[] = [];
  s.on('message', (m) => got.push(m));
  await new Promise<void>((r) => s.bind(0, host, r));
  return { s, got };
}

const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

/** A query padded to `size` bytes with an EDNS Padding option (RFC 7830). */
function paddedQuery(id: number, size: number): Buffer {
  const q = makeQuery(id, 'a', 4096);
  const padLen = size - q.length - 4;
  const opt = Buffer.alloc(4 + padLen);
  opt.writeUInt16BE(12, 0);
  opt.writeUInt16BE(padLen, 2);
  q.writeUInt16BE(4 + padLen, q.length - 2); // OPT RDLENGTH
  return Buffer.concat([q, opt]);
}

describe.skipIf(!hasUdpBatch(addon))('createUdpBatchListener', () => {
  const native = addon as NonNullable<typeof addon>;

  async function start(handler: DnsHandler, extra: Partial<UdpListenerOptions> = {}) {
    const metrics = recordingMetrics();
    let batches = 0;
    const l = createUdpBatchListener({
      address: '127.0.0.1',
      port: 0,
      handler,
      metrics,
      native,
      // The clock is read once per batch: counting its reads counts the batches.
      now: () => ++batches,
      ...extra,
    });
    open.push(l);
    const bound = await l.start();
    return { l, bound, metrics, batches: () => batches };
  }

  test('many datagrams from several clients: few callbacks, every answer to its sender', async () => {
    const { bound, batches } = await start(echoHandler);
    const clients = await Promise.all([1, 2, 3, 4].map(() => client()));
    clients.forEach((c, n) => {
      for (let i = 0; i < 50; i++) c.s.send(makeQuery(n * 1000 + i), bound.port, '127.0.0.1');
    });
    await settle();
    for (const [n, c] of clients.entries()) {
      const ids = c.got.map((m) => m.readUInt16BE(0)).sort((a, b) => a - b);
      expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => n * 1000 + i));
      c.s.close();
    }
    expect(batches()).toBeLessThan(50); // 200 queries, at most 64 per callback
  });

  test.each<[string, number, number]>([
    ['a 4000-byte query reaches the handler whole', 4000, 0],
    ['a datagram longer than a slot is answered FORMERR, counted, not handed over', 5000, 1],
  ])('%s', async (_name, size, oversize) => {
    const seen: Buffer[] = [];
    const { bound, metrics } = await start((q) => {
      seen.push(q);
      return echoHandler(q.subarray(0, 12), {} as never);
    });
    const query = paddedQuery(77, size);
    const c = await client();
    c.s.send(query, bound.port, '127.0.0.1');
    await settle();
    c.s.close();
    expect(metrics.count('oversize-query')).toBe(oversize);
    expect(c.got).toHaveLength(1);
    expect(c.got[0].readUInt16BE(0)).toBe(77);
    expect(c.got[0][3] & 0x0f).toBe(oversize ? 1 : 0); // RCODE FORMERR when too long
    expect(seen.map((q) => q.equals(query))).toEqual(oversize ? [] : [true]);
  });

  test.each<[string, string, string, string, number]>([
    ['an IPv4 client', '127.0.0.1', '127.0.0.1', '127.0.0.1', 0x7f000001],
    ['an IPv6 client', '::1', '::1', '::1', -1],
  ])(
    '%s reaches the handler as text and, when IPv4, as a number (clientV4)',
    async (_n, listen, from, text, v4) => {
      const { handler, seen } = capturing(echoHandler);
      const { bound } = await start(handler, { address: listen });
      const c = await client(from);
      c.s.send(makeQuery(9), bound.port, from);
      await settle();
      c.s.close();
      expect(c.got).toHaveLength(1);
      expect(seen.map((ctx) => [ctx.clientAddress, ctx.clientV4])).toEqual([[text, v4]]);
    },
  );

  test.each<[string, number | undefined, number]>([
    ['no EDNS: 512', undefined, 512],
    ['EDNS 1000', 1000, 1000],
    ['EDNS 4096 clamped to the configured 1232', 4096, 1232],
  ])('answers are cut to the EDNS size with TC=1: %s', async (_name, edns, limit) => {
    const big = (q: Buffer): Buffer => {
      const out = Buffer.concat([q, Buffer.alloc(3000)]);
      out[2] |= 0x80;
      return out;
    };
    const { bound, metrics } = await start((q) => big(q));
    const c = await client();
    c.s.send(makeQuery(5, 'a', edns), bound.port, '127.0.0.1');
    await settle();
    c.s.close();
    // The padding is no record: the guard cuts the message to its header and question, TC set.
    expect(c.got).toHaveLength(1);
    expect(c.got[0].length).toBeLessThanOrEqual(limit);
    expect(c.got[0][2] & 0x02).toBe(0x02);
    expect(metrics.count('oversize-response')).toBe(1);
  });

  test.each<[string, string]>([
    ['IPv4', '127.0.0.1'],
    ['IPv6', '::1'],
  ])(
    'an asynchronous handler answers after its batch (%s), mixed with synchronous answers',
    async (_n, host) => {
      const later = delayed(30, echoHandler);
      const { bound } = await start(
        (q, ctx) => (q.readUInt16BE(0) % 2 === 0 ? later(q, ctx) : echoHandler(q, ctx)),
        {
          address: host,
        },
      );
      const c = await client(host);
      for (let id = 1; id <= 20; id++) c.s.send(makeQuery(id), bound.port, host);
      await settle(400);
      c.s.close();
      expect(c.got.map((m) => m.readUInt16BE(0)).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    },
  );

  test('close with queries in flight: late answers go nowhere, nothing throws', async () => {
    const { l, bound, metrics } = await start(delayed(50, echoHandler));
    const c = await client();
    for (let id = 1; id <= 10; id++) c.s.send(makeQuery(id), bound.port, '127.0.0.1');
    await settle(20);
    await l.close();
    await settle(150);
    c.s.close();
    expect(c.got).toEqual([]);
    expect(metrics.queries).toHaveLength(10);
    expect(metrics.count('send')).toBe(0);
  });

  test('a handler that closes the listener mid-batch: the rest of the batch is neither handed over nor answered', async () => {
    let l: Listener | null = null;
    let calls = 0;
    const started = await start((q, ctx) => {
      calls++;
      void l?.close();
      return echoHandler(q, ctx);
    });
    l = started.l;
    const c = await client();
    for (let id = 1; id <= 5; id++) c.s.send(makeQuery(id), started.bound.port, '127.0.0.1');
    await settle();
    c.s.close();
    expect([c.got.length, calls]).toEqual([0, 1]);
  });

  test('adopts a bound fd (socketFd), as a DNS worker does with its SO_REUSEPORT share', async () => {
    const { fd, port } = native.bindSocket('udp', '127.0.0.1', 0, true);
    const { bound } = await start(echoHandler, { socketFd: fd });
    expect(bound).toMatchObject({ address: '127.0.0.1', port, family: 4 });
    const c = await client();
    c.s.send(makeQuery(3), port, '127.0.0.1');
    await settle();
    c.s.close();
    expect(c.got).toHaveLength(1);
  });

  test('a worker thread serves on its own loop, and ending it releases the socket', async () => {
    const file = join(process.cwd(), 'build', 'Release', 'gatehouse_native.node');
    // Plain JS on the addon (a worker cannot load the TypeScript sources): echo every datagram.
    const code = `
      const { parentPort } = require('node:worker_threads');
      const a = require(${JSON.stringify(file)});
      const { fd } = a.bindSocket('udp', '127.0.0.1', 0, false);
      const recv = new Uint8Array(8 * 4096), ctrl = new Int32Array(8 + 8 * 12), out = new Uint8Array(8 * 512);
      const ep = a.udpBatchOpen(fd, recv.buffer, 4096, ctrl.buffer, out.buffer, (n) => {
        let used = 0;
        for (let i = 0; i < n; i++) {
          const len = ctrl[8 + i * 8];
          out.set(recv.subarray(i * 4096, i * 4096 + len), used);
          out[used + 2] |= 0x80;
          ctrl.set([i, used, len], 8 + 8 * 8 + i * 4);
          used += len;
        }
        return n;
      }, 0, 0);
      parentPort.postMessage(ep.port);`;
    const worker = new Worker(code, { eval: true });
    const port = await new Promise<number>((resolve) => worker.once('message', resolve));
    const c = await client();
    c.s.send(makeQuery(11), port, '127.0.0.1');
    await settle();
    expect(c.got.map((m) => m.readUInt16BE(0))).toEqual([11]);
    await worker.terminate(); // never closed: the env cleanup hook must release it
    c.s.close();
    const again = native.bindSocket('udp', '127.0.0.1', port, false);
    native.closeFd(again.fd);
  });
});

describe('chooseUdpPath', () => {
  test.each<[string, boolean | undefined, boolean, string]>([
    ['batch by default when the addon has it', undefined, true, 'native'],
    ['dgram when turned off', false, true, 'dgram'],
    ['dgram without the addon', true, false, 'dgram'],
  ])('%s', (_n, asked, present, path) => {
    const fake = present ? ({ udpBatchOpen() {} } as unknown as NonNullable<typeof addon>) : null;
    const chosen = chooseUdpPath(asked, fake, 'not built');
    expect(chosen.native === null ? 'dgram' : 'native').toBe(path);
    expect(chosen.why).toMatch(path === 'native' ? /recvmmsg/ : /dgram/);
  });
});

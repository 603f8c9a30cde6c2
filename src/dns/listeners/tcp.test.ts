import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { openSockets, settleSockets } from '../../../test/helpers/handles.js';
import type { DnsHandler, Listener, ListenerErrorKind } from './contract.js';
import { createTcpListener, type StreamListenerOptions } from './tcp.js';
import {
  capturing,
  delayed,
  echoHandler,
  FrameReader,
  frame,
  makeQuery,
  recordingMetrics,
} from './testing.js';

const open: Listener[] = [];
const clients: net.Socket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(open.splice(0).map((l) => l.close()));
});

async function start(handler: DnsHandler, extra: Partial<StreamListenerOptions> = {}) {
  const metrics = recordingMetrics();
  const l = createTcpListener({ address: '127.0.0.1', port: 0, handler, metrics, ...extra });
  open.push(l);
  const bound = await l.start();
  return { l, port: bound.port, metrics };
}

async function connect(
  port: number,
  host = '127.0.0.1',
): Promise<{ socket: net.Socket; reader: FrameReader }> {
  const socket = net.connect(port, host);
  clients.push(socket);
  const reader = new FrameReader(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, reader };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('createTcpListener: framing and pipelining (RFC 7766 §6.2.1.1)', () => {
  test('answers a length-prefixed query, over IPv4 and IPv6', async () => {
    for (const host of ['127.0.0.1', '::1']) {
      const { port, metrics } = await start(echoHandler, { address: host });
      const { socket, reader } = await connect(port, host);
      socket.write(frame(makeQuery(0x4242)));
      const [answer] = await reader.waitFor(1);
      expect([answer.readUInt16BE(0), answer[2] & 0x80]).toEqual([0x4242, 0x80]);
      expect(metrics.queries).toEqual(['tcp']);
    }
  });

  test('10 pipelined queries are answered as they complete, out of order', async () => {
    const handler: DnsHandler = async (q, ctx) => {
      if (q.readUInt16BE(0) === 0) await sleep(200);
      return echoHandler(q, ctx);
    };
    const { port } = await start(handler);
    const { socket, reader } = await connect(port);
    socket.write(Buffer.concat(Array.from({ length: 10 }, (_, id) => frame(makeQuery(id)))));
    const answers = await reader.waitFor(10);
    const ids = answers.map((a) => a.readUInt16BE(0));
    expect(ids[9]).toBe(0); // the slow first query comes last
    expect([...ids].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('a query split across segments is reassembled', async () => {
    const { port } = await start(echoHandler);
    const { socket, reader } = await connect(port);
    const bytes = frame(makeQuery(5));
    socket.write(bytes.subarray(0, 1));
    await sleep(20);
    socket.write(bytes.subarray(1, 9));
    await sleep(20);
    socket.write(bytes.subarray(9));
    expect((await reader.waitFor(1))[0].readUInt16BE(0)).toBe(5);
  });

  test('the handler sees the stream context', async () => {
    const spy = capturing(echoHandler);
    const { port } = await start(spy.handler, { now: () => 7 });
    const { socket, reader } = await connect(port);
    socket.write(frame(makeQuery(1, 'a', 4096)));
    await reader.waitFor(1);
    expect(spy.seen[0]).toMatchObject({
      transport: 'tcp',
      clientAddress: '127.0.0.1',
      clientV4: 0x7f000001,
      family: 4,
      maxResponseSize: 65535,
      received: 7,
    });
  });

  test('a client that half-closes still gets every answer, then our FIN', async () => {
    const { port } = await start(delayed(30, echoHandler), { maxInFlight: 1 });
    const { socket, reader } = await connect(port);
    socket.end(Buffer.concat([frame(makeQuery(1)), frame(makeQuery(2)), frame(makeQuery(3))]));
    expect((await reader.waitFor(3)).map((a) => a.readUInt16BE(0))).toEqual([1, 2, 3]);
    await reader.waitClosed();
  });

  test('a failing handler answers nothing and keeps the connection', async () => {
    const { port, metrics } = await start((q, ctx) => {
      if (q.readUInt16BE(0) === 1) throw new Error('boom');
      return echoHandler(q, ctx);
    });
    const { socket, reader } = await connect(port);
    socket.write(Buffer.concat([frame(makeQuery(1)), frame(makeQuery(2))]));
    const [answer] = await reader.waitFor(1);
    expect(answer.readUInt16BE(0)).toBe(2);
    expect(metrics.count('handler')).toBe(1);
    expect(reader.closed).toBe(false);
  });

  test('a message shorter than a header is dropped, the connection kept', async () => {
    const { port, metrics } = await start(echoHandler);
    const { socket, reader } = await connect(port);
    socket.write(Buffer.concat([frame(Buffer.alloc(5)), frame(makeQuery(3))]));
    expect((await reader.waitFor(1))[0].readUInt16BE(0)).toBe(3);
    expect(metrics.count('short')).toBe(1);
  });
});

describe('createTcpListener: limits and timeouts', () => {
  test.each<[string, Buffer, ListenerErrorKind]>([
    ['zero length', Buffer.from([0, 0]), 'framing'],
    ['length over maxQuerySize, before its bytes arrive', Buffer.from([0x10, 0x00, 1, 2]), 'oversize-query'],
  ])('%s closes the connection', async (_name, bytes, kind) => {
    const { port, metrics } = await start(echoHandler, { maxQuerySize: 512 });
    const { socket, reader } = await connect(port);
    socket.write(bytes);
    await reader.waitClosed(1000);
    expect(metrics.count(kind)).toBe(1);
  });

  test('an idle connection is closed after the idle timeout (RFC 7766 §6.2.3)', async () => {
    const { port } = await start(echoHandler, { idleTimeoutMs: 200 });
    const { socket, reader } = await connect(port);
    socket.write(frame(makeQuery(1)));
    await reader.waitFor(1);
    const ms = await reader.waitClosed(2000);
    expect(ms).toBeGreaterThanOrEqual(150);
  });

  test('a slow query does not count as idle', async () => {
    const { port } = await start(delayed(400, echoHandler), {
      idleTimeoutMs: 150,
    });
    const { socket, reader } = await connect(port);
    socket.write(frame(makeQuery(1)));
    await reader.waitFor(1, 2000);
  });

  test('a partial message times out (slowloris)', async () => {
    const { port, metrics } = await start(echoHandler, { idleTimeoutMs: 5000, partialTimeoutMs: 200 });
    const { socket, reader } = await connect(port);
    socket.write(frame(makeQuery(1)).subarray(0, 7));
    const ms = await reader.waitClosed(2000);
    expect(ms).toBeLessThan(1000);
    expect(metrics.count('partial-timeout')).toBe(1);
  });

  test('per-source connection limit refuses the extra connection', async () => {
    const { port, metrics } = await start(echoHandler, { maxConnectionsPerSource: 2 });
    const a = await connect(port);
    const b = await connect(port);
    const c = await connect(port);
    await c.reader.waitClosed(1000);
    expect(metrics.count('limit')).toBe(1);
    for (const [i, x] of [a, b].entries()) {
      x.socket.write(frame(makeQuery(i)));
      await x.reader.waitFor(1);
    }
    a.socket.destroy();
    await sleep(50);
    const d = await connect(port);
    d.socket.write(frame(makeQuery(9)));
    await d.reader.waitFor(1);
    expect(metrics.open.tcp).toBe(2);
  });

  test('the total connection limit applies', async () => {
    const { port, metrics } = await start(echoHandler, { maxConnections: 1 });
    await connect(port);
    const extra = await connect(port);
    await extra.reader.waitClosed(1000);
    expect(metrics.count('limit')).toBe(1);
  });

  test('in-flight queries per connection are capped', async () => {
    const release: (() => void)[] = [];
    const handler: DnsHandler = (q, ctx) =>
      new Promise((r) => release.push(() => r(echoHandler(q, ctx) as Buffer)));
    const { port } = await start(handler, { maxInFlight: 2 });
    const { socket, reader } = await connect(port);
    socket.write(Buffer.concat(Array.from({ length: 5 }, (_, id) => frame(makeQuery(id)))));
    await sleep(100);
    expect(release).toHaveLength(2);
    for (const r of release.splice(0)) r();
    await sleep(100);
    expect(release).toHaveLength(2);
    for (const r of release.splice(0)) r();
    await sleep(100);
    for (const r of release.splice(0)) r();
    expect(await reader.waitFor(5)).toHaveLength(5);
  });

  test('backpressure: reading stops while the client does not read its answers', async () => {
    let calls = 0;
    const big = (q: Buffer): Buffer => {
      calls++;
      const out = Buffer.alloc(60_000);
      q.copy(out);
      out[2] |= 0x80;
      return out;
    };
    const { port } = await start(big, { maxInFlight: 1000 });
    const { socket, reader } = await connect(port);
    socket.pause();
    socket.write(Buffer.concat(Array.from({ length: 400 }, (_, id) => frame(makeQuery(id)))));
    await sleep(300);
    const stalled = calls;
    expect(stalled).toBeLessThan(400);
    socket.resume();
    await reader.waitFor(400, 10_000);
    expect(calls).toBe(400);
  });

  test('a client that never reads is dropped after the idle timeout', async () => {
    const big = (q: Buffer): Buffer => Buffer.concat([q, Buffer.alloc(60_000)]);
    const { port, metrics } = await start(big, { idleTimeoutMs: 300 });
    const { socket, reader } = await connect(port);
    socket.pause();
    socket.write(Buffer.concat(Array.from({ length: 400 }, (_, id) => frame(makeQuery(id)))));
    await sleep(1000);
    expect(metrics.count('write-timeout')).toBe(1);
    socket.destroy();
    expect(reader).toBeDefined();
  });

  test('close() destroys open connections and leaks no sockets', async () => {
    const before = openSockets();
    const { l, port } = await start(echoHandler);
    const { reader } = await connect(port);
    await l.close();
    await reader.waitClosed(1000);
    for (const c of clients.splice(0)) c.destroy();
    expect(await settleSockets(before)).toBeLessThanOrEqual(before);
  });
});

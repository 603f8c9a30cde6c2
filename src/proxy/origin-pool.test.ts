import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LinkReads, OriginLink, OriginPool, type OriginPoolOptions } from './origin-pool.js';

let server: net.Server;
let port: number;
const accepted: net.Socket[] = [];

beforeAll(async () => {
  server = net.createServer((s) => {
    accepted.push(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const s of accepted) s.destroy();
  await new Promise((r) => server.close(r));
});

async function link(): Promise<OriginLink> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise((r) => socket.once('connect', r));
  return new OriginLink(socket, '127.0.0.1', port);
}

const closed = (l: OriginLink) =>
  new Promise((r) => (l.socket.destroyed ? r(null) : l.socket.once('close', r)));

function pool(over: Partial<OriginPoolOptions> = {}) {
  let t = 0;
  const clock = { advance: (ms: number) => (t += ms) };
  const p = new OriginPool({ maxIdlePerOrigin: 2, maxIdle: 3, idleTimeoutMs: 200, now: () => t, ...over });
  return { p, clock };
}

describe('OriginPool', () => {
  test('takes the most recently kept link of the same address and port, marked reused', async () => {
    const { p } = pool();
    const [a, b] = [await link(), await link()];
    p.put(a);
    p.put(b);
    expect(p.take('127.0.0.1', port + 1)).toBeNull();
    expect(p.take('127.0.0.2', port)).toBeNull();
    const got = p.take('127.0.0.1', port);
    expect(got).toBe(b);
    expect(got?.reused).toBe(true);
    expect(p.size).toBe(1);
    p.close();
    b.socket.destroy();
  });

  test.each([
    ['per origin', { maxIdlePerOrigin: 1, maxIdle: 10 }],
    ['in total', { maxIdlePerOrigin: 10, maxIdle: 1 }],
    ['when pooling is off', { maxIdlePerOrigin: 0, maxIdle: 10 }],
  ])('a link past the bound %s is closed, not kept', async (_name, limits) => {
    const { p } = pool(limits);
    const [a, b] = [await link(), await link()];
    p.put(a);
    p.put(b);
    await closed(b);
    expect(p.size).toBe(limits.maxIdlePerOrigin === 0 ? 0 : 1);
    p.close();
    a.socket.destroy();
  });

  test('a link the origin closes while idle leaves the pool', async () => {
    const { p } = pool();
    const a = await link();
    p.put(a);
    accepted.at(-1)?.end();
    await closed(a);
    expect(p.size).toBe(0);
    expect(p.take('127.0.0.1', port)).toBeNull();
    p.close();
  });

  test('bytes from an idle origin end the link (an idle connection must be silent)', async () => {
    const { p } = pool();
    const a = await link();
    p.put(a);
    accepted.at(-1)?.write('HTTP/1.1 200 OK\r\n\r\n');
    await closed(a);
    expect(p.size).toBe(0);
    p.close();
  });

  test('the sweep closes links idle longer than the timeout, keeps younger ones', async () => {
    const { p, clock } = pool({ maxIdlePerOrigin: 5, maxIdle: 5, idleTimeoutMs: 200 });
    const old = await link();
    p.put(old);
    clock.advance(150);
    const young = await link();
    p.put(young);
    clock.advance(100);
    await closed(old);
    expect(p.size).toBe(1);
    expect(p.take('127.0.0.1', port)).toBe(young);
    p.close();
    young.socket.destroy();
  });

  test('close() ends every idle link', async () => {
    const { p } = pool();
    const links = [await link(), await link()];
    for (const l of links) p.put(l);
    p.close();
    await Promise.all(links.map(closed));
    expect(p.size).toBe(0);
  });
});

describe('LinkReads', () => {
  // Chunks are kept until the end, so a chunk that aliased a reused read buffer would show.
  test.each([
    ['small writes', [100, 3000, 1, 9000]],
    ['bulk writes', [200_000, 1_000_000]],
    ['bulk, then small', [500_000, 10, 20_000, 5]],
  ])('two links reading at once get their bytes intact: %s', async (_name, sizes) => {
    const payloads = [0, 1].map(() => sizes.map((n) => randomBytes(n)));
    const got: Buffer[][] = [[], []];
    const server = net.createServer((s) => {
      s.once('data', (d) => {
        const which = d[0];
        (async () => {
          for (const p of payloads[which]) {
            s.write(p);
            await new Promise((r) => setTimeout(r, 5));
          }
          s.end();
        })();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const at = (server.address() as net.AddressInfo).port;
    const ended = [0, 1].map(async (which) => {
      const reads = new LinkReads();
      const socket = net.connect({ host: '127.0.0.1', port: at, onread: reads.onread });
      await new Promise((r) => socket.once('connect', r));
      const l = new OriginLink(socket, '127.0.0.1', at, reads);
      l.onData = (c) => got[which].push(c);
      const done = new Promise((r) => {
        l.onEnd = () => r(null);
      });
      socket.write(Buffer.from([which]));
      await done;
      socket.destroy();
    });
    await Promise.all(ended);
    server.close();
    for (const which of [0, 1])
      expect(Buffer.concat(got[which]).equals(Buffer.concat(payloads[which]))).toBe(true);
  });
});

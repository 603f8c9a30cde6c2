/**
 * Routing transparent connections by their original destination, with the SO_ORIGINAL_DST reader
 * replaced by a fake (the real one, behind an nft redirect in a netns, is
 * test/e2e/transparent-original-dst.test.ts), and the native reader on connections no rule rewrote.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeOrder, T0, withTargets } from '../../test/helpers/orders.js';
import { compilePolicy } from '../policy/compile.js';
import type { FlowRecord } from '../records/types.js';
import { nativeRedirectReader, type Redirect, socketFd } from './original-destination.js';
import { createProxy } from './proxy.js';
import type { ProxyDeps, ProxyServer } from './types.js';

const policy = compilePolicy(
  [withTargets(makeOrder(1), ['blocked.test']), withTargets(makeOrder(2), ['127.0.0.2/32'])],
  T0,
);

let origin: http.Server;
let originPort = 0;
beforeAll(async () => {
  origin = http.createServer((req, res) => res.end(`origin saw host ${req.headers.host}`));
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  originPort = (origin.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => origin.close(() => r())));

interface Bed {
  proxy: ProxyServer;
  port: number;
  records: FlowRecord[];
  logs: string[];
}

/** A proxy with one transparent-http listener whose reader answers `redirect()`; lookups fail. */
async function bed(redirects: ProxyDeps['redirects']): Promise<Bed> {
  const records: FlowRecord[] = [];
  const logs: string[] = [];
  const noop = () => {};
  const log = (_: object, msg: string) => logs.push(msg);
  const proxy = createProxy({
    policy: () => policy,
    identity: () => ({ isp: 'isp-a', groups: [], subscriber: null }),
    lookup: () => Promise.reject(new Error('a redirected connection must not be looked up')),
    record: (r) => records.push(r),
    metrics: { connections: noop, bytes: noop, throttledBytes: noop, active: noop, error: noop },
    logger: { info: log, warn: log, error: log },
    now: () => T0,
    redirects,
    settings: {
      operatorUrl: 'https://gatehouse.example',
      headerTimeoutMs: 1000,
      maxHeaderBytes: 8192,
      maxConnectionsPerSource: 16,
      idleTimeoutMs: 2000,
      domesticPrefixes: [],
      connectTimeoutMs: 1000,
    },
  });
  const { port } = await proxy.listen('transparent-http', '127.0.0.1', 0);
  return { proxy, port, records, logs };
}

/** One request on its own connection; the status and body. */
function get(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ port, host: '127.0.0.1', path: '/', headers: { host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe('a transparent connection with an original destination', () => {
  test.each([
    {
      name: 'allowed',
      to: () => ({ address: '127.0.0.1', port: originPort }),
      host: 'any.test',
      status: 200,
    },
    {
      name: 'address blocked',
      to: () => ({ address: '127.0.0.2', port: originPort }),
      host: 'any.test',
      status: 451,
    },
    {
      name: 'name blocked',
      to: () => ({ address: '127.0.0.1', port: originPort }),
      host: 'blocked.test',
      status: 451,
    },
  ])('$name: goes there unresolved, judged on name and address', async ({ to, host, status }) => {
    const redirect: Redirect = to();
    const b = await bed(() => redirect);
    try {
      const r = await get(b.port, host);
      expect(r.status).toBe(status);
      if (status === 200) expect(r.body).toBe(`origin saw host ${host}`);
      await expect.poll(() => b.records.length).toBe(1);
      expect(b.records[0]).toMatchObject({ destinationName: host, destinationAddress: redirect.address });
      expect(b.records[0].port).toBe(redirect.port);
      expect(b.logs).toContain(
        'proxy: transparent listeners send redirected connections to their original destination (SO_ORIGINAL_DST)',
      );
    } finally {
      await b.proxy.close();
    }
  });

  test('turned off: one warning at start says so, and why', async () => {
    const b = await bed(null);
    await b.proxy.close();
    expect(b.logs.filter((l) => l.includes('route by Host/SNI: SO_ORIGINAL_DST is unavailable'))).toEqual([
      'proxy: transparent listeners route by Host/SNI: SO_ORIGINAL_DST is unavailable (native addon: turned off by the caller)',
    ]);
  });
});

describe('the native reader and the socket fd', () => {
  test('an accepted socket has an fd until it is closed; a connection no rule rewrote has no redirect', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    const socket = await accepted;
    expect(socketFd(socket)).toBeGreaterThanOrEqual(0);
    const { read, why } = nativeRedirectReader();
    // Without the addon there is no reader, and a reason for the start-up log line.
    if (read === null) expect(why).not.toBe('');
    else expect(read(socket)).toBeNull();
    const closed = new Promise((r) => socket.once('close', r));
    socket.destroy();
    client.destroy();
    await closed;
    expect(socketFd(socket)).toBeNull();
    server.close();
  });
});

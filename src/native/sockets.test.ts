/**
 * native/sockets.c through Node's own socket classes: what bindSocket makes, dgram and net adopt
 * (bind({fd}), listen({fd})); errors carry the errno name or ERR_INVALID_ARG as `code`;
 * originalDestination answers null (or the socket's own address) for a connection no rule rewrote
 * (test/e2e/transparent-original-dst.test.ts covers a redirected one, in its own netns).
 */
import dgram from 'node:dgram';
import { closeSync, openSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { nativeAddon, nativeUnavailable, type SocketsPart } from './index.js';

const addon = nativeAddon();
// Where the addon is built by `npm install` (Linux, not turned off), its absence is a failure.
const expected = process.platform === 'linux' && process.env.GATEHOUSE_NATIVE !== '0';
if (addon === null) console.warn(`native sockets tests skipped: ${nativeUnavailable()}`);

test('the addon is loaded where it is built', () => {
  if (expected) expect(nativeUnavailable()).toBe('');
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** The thrown value's `code`, or 'none'. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'no code';
  }
  return 'none';
}

function adoptUdp(fd: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  cleanups.push(() => socket.close());
  return new Promise((resolve) => socket.bind({ fd }, () => resolve(socket)));
}

function adoptTcp(fd: number): Promise<net.Server> {
  const server = net.createServer((c) => c.end('hello'));
  cleanups.push(() => server.close());
  return new Promise((resolve) => server.listen({ fd }, () => resolve(server)));
}

/** An accepted connection on a fresh listener (both ends closed after the test). */
async function acceptedPair(host: string): Promise<net.Socket> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, host, r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect((server.address() as net.AddressInfo).port, host);
  const socket = await accepted;
  cleanups.push(() => {
    client.destroy();
    socket.destroy();
    server.close();
  });
  return socket;
}

describe.skipIf(addon === null)('bindSocket', () => {
  const a = addon as SocketsPart;

  test('two SO_REUSEPORT UDP sockets share one port, both adopted by dgram and both receiving', async () => {
    const first = a.bindSocket('udp', '127.0.0.1', 0, true);
    const second = a.bindSocket('udp', '127.0.0.1', first.port, true);
    expect(second.port).toBe(first.port);
    const sockets = await Promise.all([adoptUdp(first.fd), adoptUdp(second.fd)]);
    const counts = [0, 0];
    for (const [i, s] of sockets.entries()) s.on('message', () => counts[i]++);
    // The kernel spreads by source address and port: 64 client sockets reach both with
    // probability 1 - 2^-63 (socket(7) SO_REUSEPORT).
    const clients = Array.from({ length: 64 }, () => dgram.createSocket('udp4'));
    cleanups.push(() => {
      for (const c of clients) c.close();
    });
    for (const c of clients) c.send('x', first.port, '127.0.0.1');
    await expect.poll(() => counts[0] + counts[1]).toBe(64);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(0);
  });

  test.each([
    { type: 'udp', listening: false },
    { type: 'tcp', listening: true },
  ] as const)('$type without reusePort: EADDRINUSE on a taken port', async ({ type, listening }) => {
    const first = a.bindSocket(type, '127.0.0.1', 0, false);
    if (listening) await adoptTcp(first.fd);
    else cleanups.push(() => a.closeFd(first.fd));
    expect(codeOf(() => a.bindSocket(type, '127.0.0.1', first.port, false))).toBe('EADDRINUSE');
  });

  test.each(['127.0.0.1', '::1'])('TCP on %s: net listens on the fd and serves', async (host) => {
    const { fd, port } = a.bindSocket('tcp', host, 0, false);
    const server = await adoptTcp(fd);
    expect((server.address() as net.AddressInfo).port).toBe(port);
    const reply = await new Promise<string>((resolve, reject) => {
      const c = net.connect(port, host);
      let text = '';
      c.on('data', (d) => {
        text += d;
      });
      c.on('end', () => resolve(text));
      c.on('error', reject);
    });
    expect(reply).toBe('hello');
  });

  test.each([
    { name: 'an unknown type', call: () => a.bindSocket('sctp' as 'udp', '127.0.0.1', 0, false) },
    { name: 'a name for an address', call: () => a.bindSocket('udp', 'localhost', 0, false) },
    { name: 'a port above 65535', call: () => a.bindSocket('udp', '127.0.0.1', 65536, false) },
    { name: 'a negative port', call: () => a.bindSocket('tcp', '127.0.0.1', -1, false) },
    { name: 'a string port', call: () => a.bindSocket('tcp', '127.0.0.1', '80' as unknown as number, false) },
    { name: 'missing arguments', call: () => (a.bindSocket as (...x: unknown[]) => unknown)('udp') },
    { name: 'closeFd(-1)', call: () => a.closeFd(-1) },
    { name: 'originalDestination(-1)', call: () => a.originalDestination(-1) },
    { name: 'originalDestination("3")', call: () => a.originalDestination('3' as unknown as number) },
  ])('$name: TypeError ERR_INVALID_ARG', ({ call }) => {
    expect(call).toThrow(TypeError);
    expect(codeOf(call)).toBe('ERR_INVALID_ARG');
  });
});

describe.skipIf(addon === null)('originalDestination', () => {
  const a = addon as SocketsPart;
  const fdOf = (s: net.Socket) => (s as unknown as { _handle: { fd: number } })._handle.fd;

  test.each(['127.0.0.1', '::1'])(
    'a connection to %s that no rule rewrote: null or its own address',
    async (host) => {
      const socket = await acceptedPair(host);
      const original = a.originalDestination(fdOf(socket));
      // null without a conntrack entry; a tracked, un-NATed connection answers its own address.
      if (original !== null) {
        expect(original).toEqual({
          address: socket.localAddress,
          port: socket.localPort,
          family: host.includes(':') ? 6 : 4,
        });
      }
    },
  );

  test('a descriptor that is not a socket: the errno name as code', () => {
    const fd = openSync('/dev/null', 'r');
    cleanups.push(() => closeSync(fd));
    expect(codeOf(() => a.originalDestination(fd))).toBe('ENOTSOCK');
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type Certificate, ensureCertificate } from '../tls-cert.js';
import type { Listener } from './contract.js';
import { createDotListener, type DotListenerOptions } from './dot.js';
import { echoHandler, FrameReader, frame, makeQuery, recordingMetrics } from './testing.js';

let dir: string;
let cert: Certificate;
const open: Listener[] = [];
const clients: net.Socket[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gh-dot-'));
  cert = await ensureCertificate({ dataDir: dir });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(open.splice(0).map((l) => l.close()));
});

async function start(extra: Partial<DotListenerOptions> = {}) {
  const metrics = recordingMetrics();
  const l = createDotListener({
    address: '127.0.0.1',
    port: 0,
    handler: echoHandler,
    metrics,
    cert: cert.cert,
    key: cert.key,
    ...extra,
  });
  open.push(l);
  return { port: (await l.start()).port, metrics };
}

function connectTls(
  port: number,
  alpn: string[] = ['dot'],
): Promise<{ socket: tls.TLSSocket; reader: FrameReader }> {
  const socket = tls.connect({
    port,
    host: '127.0.0.1',
    servername: 'localhost',
    ca: cert.cert,
    ALPNProtocols: alpn,
  });
  clients.push(socket);
  const reader = new FrameReader(socket);
  return new Promise((resolve, reject) => {
    socket.once('secureConnect', () => resolve({ socket, reader }));
    socket.once('error', reject);
  });
}

describe('createDotListener (RFC 7858)', () => {
  test('answers over TLS with ALPN "dot" and a certificate valid for localhost', async () => {
    const { port, metrics } = await start();
    const { socket, reader } = await connectTls(port);
    expect([socket.alpnProtocol, socket.authorized]).toEqual(['dot', true]);
    socket.write(Buffer.concat([frame(makeQuery(1)), frame(makeQuery(2)), frame(makeQuery(3))]));
    const ids = (await reader.waitFor(3)).map((a) => a.readUInt16BE(0));
    expect(ids.sort()).toEqual([1, 2, 3]);
    expect(metrics.queries).toEqual(['dot', 'dot', 'dot']);
  });

  test('a client without ALPN is served too', async () => {
    const { port } = await start();
    const { socket, reader } = await connectTls(port, []);
    socket.write(frame(makeQuery(4)));
    expect((await reader.waitFor(1))[0].readUInt16BE(0)).toBe(4);
  });

  test('a client offering only another protocol is refused', async () => {
    const { port, metrics } = await start();
    await expect(connectTls(port, ['h2'])).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    expect(metrics.count('tls')).toBe(1);
  });

  test('the idle timeout closes the TLS connection', async () => {
    const { port } = await start({ idleTimeoutMs: 200 });
    const { reader } = await connectTls(port);
    expect(await reader.waitClosed(2000)).toBeGreaterThanOrEqual(150);
  });

  test('a stalled handshake times out', async () => {
    const { port, metrics } = await start({ handshakeTimeoutMs: 200 });
    const raw = net.connect(port, '127.0.0.1');
    clients.push(raw);
    const reader = new FrameReader(raw);
    await reader.waitClosed(2000);
    expect(metrics.count('tls')).toBe(1);
  });

  test('the per-source limit refuses before the handshake', async () => {
    const { port, metrics } = await start({ maxConnectionsPerSource: 1 });
    await connectTls(port);
    await expect(connectTls(port)).rejects.toThrow();
    expect(metrics.count('limit')).toBe(1);
  });

  test('a zero-length message closes the connection, as over TCP', async () => {
    const { port, metrics } = await start();
    const { socket, reader } = await connectTls(port);
    socket.write(Buffer.from([0, 0]));
    await reader.waitClosed(1000);
    expect(metrics.count('framing')).toBe(1);
  });
});

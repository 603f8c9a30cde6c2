/**
 * Test material for the proxy parsers: real ClientHellos captured from `openssl s_client` and
 * Node's `tls.connect` against a local `net` server on 127.0.0.1:0, a ClientHello builder for the
 * cases no client sends (ECH, split records, broken fields), and a corpus of request heads.
 */
import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { type ConnectionOptions, connect } from 'node:tls';

/** True once `bytes` hold a whole first handshake message (independent of the parser under test). */
function helloComplete(bytes: Buffer): boolean {
  let p = 0;
  const hs: number[] = [];
  while (p + 5 <= bytes.length) {
    const len = bytes.readUInt16BE(p + 3);
    if (p + 5 + len > bytes.length) return false;
    for (const b of bytes.subarray(p + 5, p + 5 + len)) hs.push(b);
    p += 5 + len;
    if (hs.length >= 4 && hs.length >= 4 + ((hs[1] << 16) | (hs[2] << 8) | hs[3])) return true;
  }
  return false;
}

/** Starts a server on 127.0.0.1:0, runs `client(port)`, and returns the first flight it sent. */
export async function captureFirstFlight(client: (port: number) => () => void): Promise<Buffer> {
  let stop: (() => void) | undefined;
  const sockets: Socket[] = [];
  const server = createServer();
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('capturing a client hello: timed out')), 10_000);
      server.on('connection', (socket) => {
        sockets.push(socket);
        let bytes = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          bytes = Buffer.concat([bytes, chunk]);
          if (!helloComplete(bytes)) return;
          clearTimeout(timer);
          resolve(bytes);
        });
        socket.on('error', () => {});
      });
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        if (address === null || typeof address === 'string') return reject(new Error('no server address'));
        stop = client(address.port);
      });
    });
  } finally {
    stop?.();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** The ClientHello Node's TLS client sends with these options. */
export function captureNodeHello(options: ConnectionOptions): Promise<Buffer> {
  return captureFirstFlight((port) => {
    const socket = connect({ host: '127.0.0.1', port, ...options });
    socket.on('error', () => {});
    return () => socket.destroy();
  });
}

/** The ClientHello `openssl s_client` sends with these extra arguments. */
export function captureOpensslHello(args: readonly string[]): Promise<Buffer> {
  return captureFirstFlight((port) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...args], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.on('error', () => {});
    return () => child.kill();
  });
}

/** What `buildHandshake` puts in a ClientHello. */
export interface HelloSpec {
  /** A host_name, raw bytes for broken names, or null for no server_name extension. */
  readonly sni?: string | Uint8Array | null;
  readonly alpn?: readonly string[];
  readonly versions?: readonly number[];
  /** An ECH extension: `outer` (with a fake payload), `inner`, or raw extension data. */
  readonly ech?: 'outer' | 'inner' | Uint8Array;
  /** Extra extensions, appended as [type, data]. */
  readonly extra?: ReadonlyArray<readonly [number, Uint8Array]>;
  readonly legacyVersion?: number;
}

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 255]);
const vec16 = (b: Uint8Array): Buffer => Buffer.concat([u16(b.length), b]);
const vec8 = (b: Uint8Array): Buffer => Buffer.concat([Buffer.from([b.length]), b]);
const extension = (type: number, data: Uint8Array): Buffer => Buffer.concat([u16(type), vec16(data)]);

/** The data of a server_name extension naming `name` (RFC 6066 §3). */
export function serverNameExtension(name: string | Uint8Array): Buffer {
  const bytes = typeof name === 'string' ? Buffer.from(name, 'latin1') : Buffer.from(name);
  return vec16(Buffer.concat([Buffer.from([0]), vec16(bytes)]));
}

function extensionsOf(spec: HelloSpec): Buffer[] {
  const out: Buffer[] = [];
  if (spec.sni !== undefined && spec.sni !== null) out.push(extension(0, serverNameExtension(spec.sni)));
  if (spec.alpn) out.push(extension(16, vec16(Buffer.concat(spec.alpn.map((p) => vec8(Buffer.from(p)))))));
  if (spec.versions) out.push(extension(43, vec8(Buffer.concat(spec.versions.map(u16)))));
  if (spec.ech === 'outer') {
    // draft-ietf-tls-esni §5: type outer, HKDF-SHA256/AES-128-GCM, config_id, enc<32>, payload<200>.
    const body = [Buffer.from([0, 0, 1, 0, 1, 7]), vec16(Buffer.alloc(32, 9)), vec16(Buffer.alloc(200, 7))];
    out.push(extension(0xfe0d, Buffer.concat(body)));
  } else if (spec.ech === 'inner') out.push(extension(0xfe0d, Buffer.from([1])));
  else if (spec.ech) out.push(extension(0xfe0d, spec.ech));
  for (const [type, data] of spec.extra ?? []) out.push(extension(type, data));
  return out;
}

/** A ClientHello handshake message (4-byte header included), RFC 8446 §4.1.2. */
export function buildHandshake(spec: HelloSpec = {}): Buffer {
  const body = Buffer.concat([
    u16(spec.legacyVersion ?? 0x0303),
    Buffer.alloc(32, 0x42),
    vec8(Buffer.alloc(32, 0x17)),
    vec16(Buffer.from([0x13, 0x01, 0x13, 0x02, 0xc0, 0x2f])),
    vec8(Buffer.from([0])),
    vec16(Buffer.concat(extensionsOf(spec))),
  ]);
  const n = body.length;
  return Buffer.concat([Buffer.from([1, n >> 16, (n >> 8) & 255, n & 255]), body]);
}

/** Frames handshake bytes into TLS records cut at `cuts` (offsets into `hs`), RFC 8446 §5.1. */
export function frameRecords(hs: Uint8Array, cuts: readonly number[] = [], version = 0x0301): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  for (const end of [...cuts, hs.length]) {
    const frag = hs.subarray(start, end);
    parts.push(
      Buffer.from([22, version >> 8, version & 255, frag.length >> 8, frag.length & 255]),
      Buffer.from(frag),
    );
    start = end;
  }
  return Buffer.concat(parts);
}

/** A one-record ClientHello as a client sends it. */
export function buildClientHello(spec: HelloSpec = {}): Buffer {
  return frameRecords(buildHandshake(spec));
}

/** The handshake bytes carried by a captured flight (records stripped). */
export function handshakeOf(flight: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let p = 0; p + 5 <= flight.length; p += 5 + flight.readUInt16BE(p + 3)) {
    parts.push(flight.subarray(p + 5, p + 5 + flight.readUInt16BE(p + 3)));
  }
  return Buffer.concat(parts);
}

/** Request heads as real clients send them, plus the odd-but-valid shapes a gateway must take. */
export const REQUEST_HEADS: readonly string[] = [
  'GET http://example.com/index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nProxy-Connection: Keep-Alive\r\n\r\n',
  'GET /path HTTP/1.1\r\nHost: Example.COM:8080\r\nConnection: keep-alive, X-Trace\r\nX-Trace: 1\r\nAccept-Encoding: gzip\r\n\r\n',
  'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nUser-Agent: curl/7.88.1\r\nProxy-Connection: Keep-Alive\r\n\r\n',
  'CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n\r\n',
  'POST http://api.example.org/v1/items HTTP/1.1\r\nHost: api.example.org\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"a":"hello"}',
  'POST /upload HTTP/1.1\r\nHost: example.net\r\nTransfer-Encoding: gzip, chunked\r\nTE: trailers\r\nConnection: TE\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n',
  'GET / HTTP/1.0\r\nHost: 192.0.2.10\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n',
  'GET http://chat.example.com/socket HTTP/1.1\r\nHost: chat.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  'HEAD http://example.com HTTP/1.1\r\nHost: example.com\r\nVia: 1.1 upstream\r\nProxy-Authorization: Basic dTpw\r\n\r\n',
  'GET /a HTTP/1.1\nHost: lf.example\nAccept: text/html\n\n',
  '\r\nGET /after-empty-line HTTP/1.1\r\nHost: example.com\r\nX-Obs: caf\xe9\r\n\r\nGET /next HTTP/1.1\r\nHost: example.com\r\n\r\n',
];

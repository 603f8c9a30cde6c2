/**
 * The origin keep-alive pool with real clients: curl (separate invocations, several URLs on one
 * connection) and raw sockets (pipelining) through the explicit proxy to scripted origins that
 * count their connections. Reuse happens only after a complete response on a connection both
 * ends keep (RFC 9112 §9.3); a stale reused connection is retried once for idempotent requests.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type Bed, curl, order, raw, startBed, until } from './proxy-harness.js';

/** How a scripted origin answers the n-th request (0-based) on its c-th connection. */
type Script = (request: string, n: number, socket: net.Socket, c: number) => void;

interface Origin {
  readonly port: number;
  /** Connections accepted, and how many are still open. */
  accepted: number;
  open: number;
  requests: string[];
  close(): Promise<void>;
}

const BODY = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A raw HTTP/1.1 origin on 127.0.0.1:0 reading bodiless heads and answering with `script`. */
async function startOrigin(script: Script): Promise<Origin> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const c = origin.accepted++;
    origin.open++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => {
      origin.open--;
      sockets.delete(socket);
    });
    let buffered = '';
    let n = 0;
    socket.on('data', (d) => {
      buffered += d.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end + 4);
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        const total = end + 4 + (length ? Number(length[1]) : 0);
        if (buffered.length < total) return;
        buffered = buffered.slice(total);
        origin.requests.push(head.split('\r\n')[0]);
        script(head, n++, socket, c);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin: Origin = {
    port: (server.address() as net.AddressInfo).port,
    accepted: 0,
    open: 0,
    requests: [],
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
  return origin;
}

/** 200 with `body`, kept alive (HTTP/1.1). */
function ok(socket: net.Socket, body: Buffer, extra = ''): void {
  socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n${extra}\r\n`);
  socket.write(body);
}

/** The request path of a head: the answer's body names it, so mixed-up answers show. */
const pathOf = (head: string) => head.split(' ')[1];

let bed: Bed;
let origin: Origin | null = null;
beforeAll(async () => {
  bed = await startBed({ originPool: { idleTimeoutMs: 1500 } });
});
afterAll(async () => {
  await bed?.close();
});
afterEach(async () => {
  await origin?.close();
  origin = null;
});

const proxy = () => `http://127.0.0.1:${bed.ports.explicit}`;
const url = (path: string, host = 'allowed.test') => `http://${host}:${origin?.port}${path}`;
const get = (path: string, ...args: string[]) => curl(...args, '-x', proxy(), url(path));

describe('origin keep-alive pool', () => {
  test('separate client connections reuse one origin connection, bodies byte for byte', async () => {
    origin = await startOrigin((head, _n, socket) => ok(socket, BODY(Number(pathOf(head).slice(1)))));
    for (const n of [0, 1, 1024, 70_000, 5]) {
      const r = await get(`/${n}`);
      expect(r.code).toBe(0);
      expect(sha(r.stdout)).toBe(sha(BODY(n)));
    }
    expect(origin.requests).toHaveLength(5);
    expect(origin.accepted).toBe(1);
  });

  test('clients that each send `Connection: close` still share one kept-alive origin connection', async () => {
    // RFC 9110 §7.6.1: Connection is hop-by-hop; the client's close ends only the client's hop.
    const heads: string[] = [];
    origin = await startOrigin((head, _n, socket) => {
      heads.push(head);
      ok(socket, Buffer.from(pathOf(head)));
    });
    for (const p of ['/a', '/bb', '/ccc']) {
      const host = `allowed.test:${origin.port}`;
      const r = await raw(
        bed.ports.explicit,
        `GET ${url(p)} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      expect(r.closed).toBe(true);
      const [head, body] = r.data.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 200 /);
      expect(head.toLowerCase()).toContain('\r\nconnection: close');
      expect(body).toBe(p);
    }
    expect(origin.accepted).toBe(1);
    expect(origin.open).toBe(1);
    expect(heads.filter((h) => /\r\nconnection:/i.test(h))).toEqual([]);
  });

  test('a pooled connection the origin closed while idle is not used: a new one is made', async () => {
    // The origin answers, then closes each connection a moment later (its keep-alive timeout).
    origin = await startOrigin((head, _n, socket) => {
      ok(socket, Buffer.from(pathOf(head)));
      setTimeout(() => socket.end(), 50);
    });
    const first = await get('/a');
    await until(() => origin?.open === 0);
    const second = await get('/b');
    expect([first.stdout.toString(), second.stdout.toString()]).toEqual(['/a', '/b']);
    expect(origin.accepted).toBe(2);
  });

  test('curl with several URLs on one kept-alive client connection: one origin connection', async () => {
    origin = await startOrigin((head, _n, socket) => ok(socket, Buffer.from(pathOf(head))));
    const r = await curl('-x', proxy(), url('/a'), url('/bb'), url('/ccc'));
    expect(r.stdout.toString()).toBe('/a/bb/ccc');
    expect(origin.accepted).toBe(1);
  });

  test('pipelined requests are answered in order over the pooled connection', async () => {
    origin = await startOrigin((head, _n, socket) => ok(socket, Buffer.from(pathOf(head))));
    const req = (p: string, close = false) =>
      `GET ${url(p)} HTTP/1.1\r\nhost: allowed.test:${origin?.port}\r\n${close ? 'connection: close\r\n' : ''}\r\n`;
    const r = await raw(bed.ports.explicit, req('/one') + req('/two') + req('/three', true));
    const bodies = r.data
      .split('\r\n\r\n')
      .slice(1)
      .map((s) => s.split('HTTP/1.1')[0]);
    expect(bodies).toEqual(['/one', '/two', '/three']);
    expect(r.closed).toBe(true);
    expect(origin.accepted).toBe(1);
  });

  test.each([
    ['Connection: close', (s: net.Socket) => ok(s, Buffer.from('x'), 'connection: close\r\n')],
    [
      'HTTP/1.0 without keep-alive',
      (s: net.Socket) => s.write('HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\nx'),
    ],
    ['a close-delimited body', (s: net.Socket) => s.end('HTTP/1.1 200 OK\r\n\r\nx')],
    [
      'the origin half-closing after its response',
      (s: net.Socket) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nx'),
    ],
    [
      'bytes past the response',
      (s: net.Socket) => s.write('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nxjunk'),
    ],
  ])('no reuse after %s', async (_name, answer) => {
    origin = await startOrigin((_h, _n, socket) => answer(socket));
    for (let i = 0; i < 3; i++) expect((await get('/')).stdout.toString()).toBe('x');
    expect(origin.accepted).toBe(3);
  });

  test('HTTP/1.0 with keep-alive is reused', async () => {
    origin = await startOrigin((_h, _n, s) =>
      s.write('HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 1\r\n\r\nx'),
    );
    for (let i = 0; i < 3; i++) expect((await get('/')).stdout.toString()).toBe('x');
    expect(origin.accepted).toBe(1);
  });

  test('no reuse after an error: a malformed response gets 502 and its connection is dropped', async () => {
    origin = await startOrigin((head, _n, s) => {
      if (pathOf(head) === '/bad') s.write('HTTP/1.1 200 OK\r\ncontent-length: nope\r\n\r\n');
      else ok(s, Buffer.from('fine'));
    });
    expect((await get('/ok', '-o', '/dev/null', '-w', '%{http_code}')).stdout.toString()).toBe('200');
    expect((await get('/bad', '-o', '/dev/null', '-w', '%{http_code}')).stdout.toString()).toBe('502');
    expect((await get('/ok')).stdout.toString()).toBe('fine');
    expect(origin.accepted).toBe(2);
  });

  test('no reuse after the client leaves mid-body (the rest is unread)', async () => {
    origin = await startOrigin((head, _n, s) => {
      if (pathOf(head) === '/slow') s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nfirst');
      else ok(s, Buffer.from('fine'));
    });
    const r = await curl('--max-time', '0.5', '-x', proxy(), url('/slow'));
    expect(r.code).not.toBe(0);
    expect((await get('/ok')).stdout.toString()).toBe('fine');
    expect(origin.accepted).toBe(2);
  });

  test('idle pooled connections are closed after the pool idle timeout', async () => {
    origin = await startOrigin((_h, _n, s) => ok(s, Buffer.from('x')));
    expect((await get('/')).stdout.toString()).toBe('x');
    expect(origin.open).toBe(1);
    await until(() => origin?.open === 0, 4000);
    expect((await get('/')).stdout.toString()).toBe('x');
    expect(origin.accepted).toBe(2);
  });

  test('a blocked host still gets the 451 while a pooled connection to its address is idle', async () => {
    origin = await startOrigin((_h, _n, s) => ok(s, Buffer.from('x')));
    expect((await get('/')).stdout.toString()).toBe('x');
    const blocked = await curl(
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-x',
      proxy(),
      url('/', 'blocked.test'),
    );
    expect(blocked.stdout.toString()).toBe('451');
    // A block order made active now covers the host whose connection is pooled.
    const before = bed.policy;
    bed.proxy.onPolicy(bed.setOrders([order(1, ['blocked.test', 'allowed.test'])]));
    try {
      const now = await curl('-o', '/dev/null', '-w', '%{http_code}', '-x', proxy(), url('/'));
      expect(now.stdout.toString()).toBe('451');
      expect(origin.requests).toHaveLength(1);
    } finally {
      bed.policy = before;
      bed.proxy.onPolicy(before);
    }
  });

  test('a stale pooled connection is retried once for GET, never for POST', async () => {
    // Every connection answers its first request, then closes on the second without a byte.
    origin = await startOrigin((head, n, s) => {
      if (n === 0) ok(s, Buffer.from(pathOf(head)));
      else s.destroy();
    });
    const flows = bed.records.length;
    expect((await get('/first')).stdout.toString()).toBe('/first');
    expect((await get('/again')).stdout.toString()).toBe('/again');
    expect(origin.accepted).toBe(2);
    // '/first' and '/again' are heads of one length: the retried one counts its head once.
    await until(() => bed.records.length >= flows + 2);
    const [first, again] = bed.records.slice(flows).map((r) => r.bytesUp);
    expect(first).toBeGreaterThan(0);
    expect(again).toBe(first);
    const post = await get('/post', '-o', '/dev/null', '-w', '%{http_code}', '--data', 'x=1');
    expect(post.stdout.toString()).toBe('502');
    expect(origin.accepted).toBe(2);
  });
});

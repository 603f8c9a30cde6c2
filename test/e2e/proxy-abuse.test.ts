/**
 * Bad input and abuse: slow and oversized heads, bad CONNECT targets, non-TLS bytes on the TLS
 * port, per-source limits, dead and silent origins, garbage; and no socket outlives close().
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Bed, curl, raw, startBed, statusVia, until } from './proxy-harness.js';

let bed: Bed;
beforeAll(async () => {
  bed = await startBed({ headerTimeoutMs: 500, maxConnectionsPerSource: 12 });
});
afterAll(async () => {
  await bed?.close();
});

const proxyUrl = () => `http://127.0.0.1:${bed.ports.explicit}`;

/** A port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('heads', () => {
  test('slowloris: a head not finished in time gets 408 and the connection closes', async () => {
    const start = Date.now();
    const r = await raw(bed.ports.explicit, 'GET http://allowed.test/ HTTP/1.1\r\nHost: allowed.test\r\n');
    expect(r.data).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(r.closed).toBe(true);
    expect(Date.now() - start).toBeLessThan(2000);
  });

  test('an oversized head gets 431', async () => {
    expect(await statusVia(proxyUrl(), 'http://allowed.test/', '-H', `X-Big: ${'a'.repeat(10_000)}`)).toBe(
      '431',
    );
  });

  test.each([
    ['CONNECT allowed.test HTTP/1.1\r\nHost: allowed.test\r\n\r\n'],
    ['CONNECT allowed.test:0 HTTP/1.1\r\nHost: allowed.test\r\n\r\n'],
    ['CONNECT http://allowed.test/ HTTP/1.1\r\nHost: allowed.test\r\n\r\n'],
    ['CONNECT 127.1:443 HTTP/1.1\r\nHost: x\r\n\r\n'],
  ])('a bad CONNECT target gets 400: %j', async (head) => {
    const r = await raw(bed.ports.explicit, head);
    expect(r.data).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(r.closed).toBe(true);
  });

  test('an origin-form request to the explicit proxy gets 400', async () => {
    const r = await raw(bed.ports.explicit, 'GET / HTTP/1.1\r\nHost: allowed.test\r\n\r\n');
    expect(r.data).toMatch(/^HTTP\/1\.1 400 /);
  });
});

describe('TLS port', () => {
  test('non-TLS bytes are closed without an answer', async () => {
    const r = await raw(bed.ports['transparent-tls'], 'GET / HTTP/1.1\r\nHost: allowed.test\r\n\r\n');
    expect(r).toEqual({ data: '', closed: true });
  });

  test('a hello that never completes is closed after the header timeout', async () => {
    const r = await raw(bed.ports['transparent-tls'], Buffer.from([22, 3, 1, 0, 200, 1]));
    expect(r).toEqual({ data: '', closed: true });
  });
});

describe('origins', () => {
  test('an origin that refuses gets 502 with a plain explanation', async () => {
    const port = await deadPort();
    const r = await curl('-i', '-x', proxyUrl(), `http://allowed.test:${port}/`);
    const text = r.stdout.toString();
    expect(text).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(text).toContain(`connecting to the origin on port ${port} failed: econnrefused`);
  });

  test('an unresolvable name gets 502', async () => {
    const r = await curl('-i', '-x', proxyUrl(), 'http://nxdomain.test/');
    expect(r.stdout.toString()).toContain('the name "nxdomain.test" could not be resolved');
  });

  test('an origin that does not answer gets 504', async () => {
    expect(await statusVia(proxyUrl(), `http://allowed.test:${bed.ports.http}/hang`)).toBe('504');
  });

  test('CONNECT to a refusing origin gets 502', async () => {
    const port = await deadPort();
    const r = await raw(
      bed.ports.explicit,
      `CONNECT allowed.test:${port} HTTP/1.1\r\nHost: allowed.test:${port}\r\n\r\n`,
    );
    expect(r.data).toMatch(/^HTTP\/1\.1 502 /);
  });
});

describe('limits and robustness', () => {
  test('connections over the per-source limit are refused with 503', async () => {
    await until(() => bed.proxy.connections().length === 0);
    const held: net.Socket[] = [];
    for (let i = 0; i < 12; i++) {
      const s = net.connect(bed.ports.explicit, '127.0.0.1');
      s.on('error', () => {});
      held.push(s);
      await new Promise((r) => s.once('connect', r));
    }
    await until(() => bed.proxy.connections().length === 12);
    const r = await raw(bed.ports.explicit, '');
    expect(r.data).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    for (const s of held) s.destroy();
    await until(() => bed.proxy.connections().length === 0);
  });

  test('garbage on every listener crashes nothing', async () => {
    const ports = [bed.ports.explicit, bed.ports['transparent-http'], bed.ports['transparent-tls']];
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => raw(ports[i % 3], randomBytes(1 + ((i * 97) % 3000)), 1500)),
    );
    expect(await statusVia(proxyUrl(), `http://allowed.test:${bed.ports.http}/echo`)).toBe('200');
  });
});

describe('close()', () => {
  test('destroys every connection in every state and leaks no socket', async () => {
    const own = await startBed({ headerTimeoutMs: 30_000, idleTimeoutMs: 30_000 });
    const sockets: net.Socket[] = [];
    const open = (port: number, bytes: string | Buffer) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
      s.on('error', () => {});
      s.resume(); // read to the end, so the proxy closing is seen
      sockets.push(s);
    };
    for (let i = 0; i < 40; i++) open(own.ports.explicit, 'GET http://allowed.test/ HTTP/1.1\r\n');
    for (let i = 0; i < 30; i++) {
      open(own.ports.explicit, `CONNECT allowed.test:${own.ports.tls} HTTP/1.1\r\nHost: x\r\n\r\n`);
    }
    for (let i = 0; i < 30; i++) open(own.ports['transparent-tls'], Buffer.from([22, 3, 1]));
    await until(() => own.proxy.connections().length === 100);
    await until(() => own.proxy.connections().filter((c) => c.destinationAddress !== null).length === 30);
    const closed = sockets.map((s) => new Promise((r) => (s.destroyed ? r(null) : s.once('close', r))));
    await own.proxy.close();
    await Promise.all(closed);
    expect(own.proxy.connections()).toEqual([]);
    await until(() => own.records.length === 100);
    await own.close();
  });
});

// Time limits kept by the live table's one sweep (LiveTable.sweep), not a timer per connection.
describe('time limits', () => {
  test('a kept-alive connection left idle is closed after the idle timeout', async () => {
    const r = await raw(
      bed.ports.explicit,
      `GET http://allowed.test:${bed.ports.http}/bytes/3 HTTP/1.1\r\nHost: allowed.test:${bed.ports.http}\r\n\r\n`,
      10_000,
    );
    expect(r.data).toMatch(/^HTTP\/1\.1 200 /);
    expect(r.closed).toBe(true);
  });

  test('a silent client on the TLS port is closed at the hello deadline', async () => {
    const before = bed.errors.filter((e) => e === 'hello-timeout').length;
    const r = await raw(bed.ports['transparent-tls'], Buffer.alloc(0), 10_000);
    expect(r).toEqual({ data: '', closed: true });
    expect(bed.errors.filter((e) => e === 'hello-timeout').length).toBe(before + 1);
  });

  test('a client that keeps its side open after `Connection: close` is let go, its record written', async () => {
    const before = bed.records.length;
    // allowHalfOpen: this client reads the response and the proxy's FIN, and never closes.
    const s = net.connect({ port: bed.ports.explicit, host: '127.0.0.1', allowHalfOpen: true });
    s.on('error', () => {});
    let data = '';
    s.on('data', (c: Buffer) => {
      data += c.toString('latin1');
    });
    let ended = false;
    s.on('end', () => {
      ended = true;
    });
    s.write(
      `GET http://allowed.test:${bed.ports.http}/bytes/3 HTTP/1.1\r\nHost: allowed.test:${bed.ports.http}\r\nConnection: close\r\n\r\n`,
    );
    await until(() => ended);
    expect(data).toMatch(/^HTTP\/1\.1 200 /);
    // Written at the proxy's close of this connection, which only the lingering limit makes.
    const mine = () => bed.records.slice(before).find((r) => r.bytesDown === Buffer.byteLength(data));
    await until(() => mine() !== undefined, 5000);
    expect(mine()?.verdict).toBe('none');
    expect(s.destroyed).toBe(false);
    s.destroy();
  });
});

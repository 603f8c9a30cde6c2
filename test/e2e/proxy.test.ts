/**
 * The proxy with real clients: curl through the explicit proxy (HTTP and CONNECT, IPv4 and
 * IPv6) and the transparent listeners, openssl s_client for TLS. Allowed pages pass byte for
 * byte; blocks are disclosed with 451 or a TLS access_denied alert.
 */

import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildHandshake, frameRecords } from '../fuzz/proxy-corpus.js';
import { type Bed, BIG, curl, raw, run, sha256, startBed, statusVia, until } from './proxy-harness.js';

/** Sends a hello in `segments` separate writes, 30 ms apart; returns what came back before close. */
function sendHello(port: number, hello: Buffer, segments: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    socket.on('data', (c) => got.push(c));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(got)));
    const step = Math.ceil(hello.length / segments);
    socket.on('connect', async () => {
      for (let i = 0; i < hello.length; i += step) {
        socket.write(hello.subarray(i, i + step));
        await new Promise((r) => setTimeout(r, 30));
      }
    });
    setTimeout(() => socket.destroy(), 3000);
  });
}

let bed: Bed;
beforeAll(async () => {
  bed = await startBed();
});
afterAll(async () => {
  await bed?.close();
});

const proxyUrl = () => `http://127.0.0.1:${bed.ports.explicit}`;
const originUrl = (host: string, path: string) => `http://${host}:${bed.ports.http}${path}`;

/** Splits `curl -i` output into status, lowercase fields and body. */
function parse(out: Buffer) {
  const text = out.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  const [status, ...lines] = text.slice(0, end).split('\r\n');
  const fields = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { status, fields, body: text.slice(end + 4) };
}

describe('explicit proxy, plaintext HTTP', () => {
  test('an allowed 1 MiB page passes byte for byte, and its flow is recorded', async () => {
    const before = bed.records.length;
    const r = await curl('-x', proxyUrl(), originUrl('allowed.test', '/big'));
    expect(r.code).toBe(0);
    expect(sha256(r.stdout)).toBe(sha256(BIG));
    await until(() => bed.records.length > before);
    expect(bed.records.at(-1)).toMatchObject({
      listener: 'http',
      clientAddress: '127.0.0.1',
      isp: 'isp-a',
      destinationName: 'allowed.test',
      destinationAddress: '127.0.0.1',
      port: bed.ports.http,
      verdict: 'none',
      orderId: 0,
      throttled: false,
      ech: false,
    });
    expect(bed.records.at(-1)?.bytesDown).toBeGreaterThan(BIG.length);
  });

  test('the origin sees an origin-form request with our Via and Host', async () => {
    const r = await curl('-x', proxyUrl(), originUrl('allowed.test', '/echo'));
    const echo = JSON.parse(r.stdout.toString());
    expect(echo.url).toBe('/echo');
    expect(echo.headers.host).toBe(`allowed.test:${bed.ports.http}`);
    expect(echo.headers.via).toBe('1.1 gatehouse');
    expect(echo.headers['proxy-connection']).toBeUndefined();
  });

  test('keep-alive: two requests share one client connection', async () => {
    const r = await curl(
      '-x',
      proxyUrl(),
      '-w',
      '%{num_connects}\\n',
      '-o',
      '/dev/null',
      '-o',
      '/dev/null',
      ...[originUrl('allowed.test', '/bytes/1000'), originUrl('allowed.test', '/bytes/2000')],
    );
    expect(r.stdout.toString().trim().split('\n')).toEqual(['1', '0']);
  });

  test('a blocked host gets 451 with the blocked-by link and the notice', async () => {
    const r = await curl('-i', '-x', proxyUrl(), originUrl('blocked.test', '/any'));
    const { status, fields, body } = parse(r.stdout);
    expect(status).toBe('HTTP/1.1 451 Unavailable For Legal Reasons');
    expect(fields.link).toBe('<https://gatehouse.example/notices/1>; rel="blocked-by"');
    expect(fields['cache-control']).toBe('no-store');
    expect(fields['content-type']).toBe('text/html; charset=utf-8');
    expect(Number(fields['content-length'])).toBe(Buffer.byteLength(body));
    for (const text of [
      'test order 1',
      'Test District Court',
      'Test Act, art. 1',
      '2-26-1',
      'mailto:appeals@example.org',
    ]) {
      expect(body).toContain(text);
    }
    expect(body).not.toContain('<script');
  });

  test('Accept: application/json gets the notice as JSON', async () => {
    const r = await curl(
      '-i',
      '-H',
      'Accept: application/json',
      '-x',
      proxyUrl(),
      originUrl('blocked.test', '/'),
    );
    const { status, fields, body } = parse(r.stdout);
    expect(status).toContain(' 451 ');
    expect(fields['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(body)).toMatchObject({
      order: { id: 1, title: 'test order 1' },
      decisionRef: '2-26-1',
    });
  });

  test.each([
    { path: '/forbidden/page', status: 451 },
    { path: '/forbiddenx', status: 200 },
    { path: '/big', status: 200 },
  ])('URL path prefix: $path → $status', async ({ path, status }) => {
    expect(Number(await statusVia(proxyUrl(), originUrl('allowed.test', path)))).toBe(status);
  });

  test('an address order blocks a name that resolves into it', async () => {
    const r = await curl('-i', '-x', proxyUrl(), originUrl('addr-blocked.test', '/'));
    expect(parse(r.stdout).fields.link).toBe('<https://gatehouse.example/notices/4>; rel="blocked-by"');
  });

  test('the IPv6 listener proxies too', async () => {
    const r = await curl('-x', `http://[::1]:${bed.ports.explicit6}`, originUrl('allowed.test', '/big'));
    expect(sha256(r.stdout)).toBe(sha256(BIG));
  });
});

describe('explicit proxy, CONNECT', () => {
  test('an allowed tunnel carries TLS untouched', async () => {
    const r = await curl('-k', '-x', proxyUrl(), `https://allowed.test:${bed.ports.tls}/big`);
    expect(r.code).toBe(0);
    expect(sha256(r.stdout)).toBe(sha256(BIG));
  });

  test('CONNECT to a blocked host is answered 451', async () => {
    const r = await curl(
      '-k',
      '-o',
      '/dev/null',
      '-w',
      '%{http_connect}',
      '-x',
      proxyUrl(),
      'https://blocked.test/',
    );
    expect(r.stdout.toString()).toBe('451');
    const raw451 = await raw(
      bed.ports.explicit,
      'CONNECT blocked.test:443 HTTP/1.1\r\nHost: blocked.test:443\r\n\r\n',
    );
    expect(raw451.data).toMatch(/^HTTP\/1\.1 451 Unavailable For Legal Reasons\r\n/);
    expect(raw451.data).toContain('link: <https://gatehouse.example/notices/1>; rel="blocked-by"');
    expect(raw451.closed).toBe(true);
  });
});

describe('transparent listeners', () => {
  test('HTTP by Host: allowed passes, blocked gets 451', async () => {
    const to = ['--connect-to', `::127.0.0.1:${bed.ports['transparent-http']}`];
    const ok = await curl(...to, 'http://allowed.test/big');
    expect(sha256(ok.stdout)).toBe(sha256(BIG));
    const blocked = await curl('-i', ...to, 'http://blocked.test/');
    expect(parse(blocked.stdout).status).toContain(' 451 ');
  });

  test('TLS by SNI: allowed is spliced untouched, and recorded as tls-sni', async () => {
    const port = bed.ports['transparent-tls'];
    const r = await curl(
      '-k',
      '--resolve',
      `allowed.test:${port}:127.0.0.1`,
      `https://allowed.test:${port}/big`,
    );
    expect(r.code).toBe(0);
    expect(sha256(r.stdout)).toBe(sha256(BIG));
    await until(() =>
      bed.records.some((x) => x.listener === 'tls-sni' && x.destinationName === 'allowed.test'),
    );
  });

  test.each(['blocked.test', 'addr-blocked.test'])('TLS to %s gets an access_denied alert', async (name) => {
    const r = await run(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${bed.ports['transparent-tls']}`, '-servername', name],
      '',
    );
    expect(r.stderr + r.stdout.toString()).toMatch(/alert access denied/);
    await until(() => bed.records.some((x) => x.destinationName === name && x.verdict === 'block'));
  });

  test('a hello split across records and segments is judged: blocked gets the alert', async () => {
    const hs = buildHandshake({ sni: 'blocked.test', alpn: ['h2'] });
    const hello = frameRecords(hs, [20, 90]);
    const answer = await sendHello(bed.ports['transparent-tls'], hello, 5);
    // RFC 8446 §6: alert record, fatal (2), access_denied (49), echoing the record version.
    expect([...answer]).toEqual([21, 3, 1, 0, 2, 2, 49]);
  });

  test('ECH: judged on the outer SNI, spliced, and the record says ech', async () => {
    const hello = frameRecords(
      buildHandshake({ sni: 'allowed.test', ech: 'outer', versions: [0x0304] }),
      [50],
    );
    const answer = await sendHello(bed.ports['transparent-tls'], hello, 3);
    // The origin itself answers (it cannot decrypt a fake ECH hello): proof the bytes reached it.
    expect(answer.length).toBeGreaterThan(0);
    expect([21, 22]).toContain(answer[0]);
    await until(() => bed.records.some((r) => r.ech));
    expect(bed.records.find((r) => r.ech)).toMatchObject({
      listener: 'tls-sni',
      destinationName: 'allowed.test',
      destinationAddress: '127.0.0.1',
      verdict: 'none',
    });
  });

  test('ECH with a blocked outer SNI is refused with the alert', async () => {
    const hello = frameRecords(buildHandshake({ sni: 'blocked.test', ech: 'outer' }));
    const answer = await sendHello(bed.ports['transparent-tls'], hello, 1);
    expect([...answer]).toEqual([21, 3, 1, 0, 2, 2, 49]);
    await until(() => bed.records.some((r) => r.ech && r.verdict === 'block'));
  });
});

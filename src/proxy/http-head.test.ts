import { describe, expect, test } from 'vitest';
import { REQUEST_HEADS } from '../../test/fuzz/proxy-corpus.js';
import {
  formatOriginHead,
  type HttpHeadResult,
  parseRequestHead,
  type RequestHead,
  RequestHeadReader,
} from './http-head.js';

const parse = (text: string, options = {}) => parseRequestHead(Buffer.from(text, 'latin1'), options);

function head(text: string): RequestHead {
  const r = parse(text);
  if (r.state !== 'done') throw new Error(`expected a head, got ${JSON.stringify(r)}`);
  return r.head;
}

const req = (line: string, ...fields: string[]) => `${line}\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n`;

describe('request targets', () => {
  const cases: ReadonlyArray<[string, string, Partial<RequestHead>]> = [
    [
      'absolute-form',
      req('GET http://Example.COM/a/b?c=d HTTP/1.1', 'Host: example.com'),
      {
        form: 'absolute',
        scheme: 'http',
        host: 'example.com',
        port: 80,
        authority: 'example.com',
        path: '/a/b?c=d',
      },
    ],
    ['absolute-form, empty path', req('GET http://example.com HTTP/1.1', 'Host: example.com'), { path: '/' }],
    [
      'absolute-form, query only',
      req('GET http://example.com?x HTTP/1.1', 'Host: example.com'),
      { path: '/?x' },
    ],
    [
      'absolute-form https with a port',
      req('GET https://example.com:8443/ HTTP/1.1', 'Host: example.com:8443'),
      { scheme: 'https', port: 8443, authority: 'example.com:8443' },
    ],
    [
      'absolute-form wins over a different Host (RFC 9112 §3.2.2)',
      req('GET http://real.example/ HTTP/1.1', 'Host: decoy.example'),
      { host: 'real.example', authority: 'real.example' },
    ],
    [
      'origin-form + Host',
      req('GET /p?q HTTP/1.1', 'Host: WWW.Example.org.:8080'),
      {
        form: 'origin',
        scheme: null,
        host: 'www.example.org',
        port: 8080,
        authority: 'www.example.org:8080',
        path: '/p?q',
      },
    ],
    [
      'origin-form, IPv4 Host',
      req('GET / HTTP/1.1', 'Host: 192.0.2.7'),
      { host: '192.0.2.7', hostKind: 'ipv4' },
    ],
    [
      'CONNECT name:port',
      req('CONNECT example.com:443 HTTP/1.1', 'Host: example.com:443'),
      { form: 'authority', host: 'example.com', port: 443, authority: 'example.com:443', path: '' },
    ],
    [
      'CONNECT [::1]:443',
      req('CONNECT [::1]:443 HTTP/1.1', 'Host: [::1]:443'),
      { host: '::1', hostKind: 'ipv6', port: 443, authority: '[::1]:443' },
    ],
    [
      'CONNECT IPv6 is canonicalised',
      req('CONNECT [2001:DB8:0:0::1]:8443 HTTP/1.1', 'Host: x.example'),
      { host: '2001:db8::1', authority: '[2001:db8::1]:8443' },
    ],
    ['CONNECT port 65535', req('CONNECT example.com:65535 HTTP/1.1', 'Host: example.com'), { port: 65535 }],
    ['asterisk-form', req('OPTIONS * HTTP/1.1', 'Host: example.com'), { form: 'asterisk', path: '*' }],
    [
      'absolute OPTIONS without path becomes *',
      req('OPTIONS http://example.com HTTP/1.1', 'Host: example.com'),
      { path: '*' },
    ],
    [
      'HTTP/1.0 without Host, absolute-form',
      req('GET http://example.com/ HTTP/1.0'),
      { version: '1.0', keepAlive: false },
    ],
    ['HTTP/1.9 is read as 1.1', req('GET / HTTP/1.9', 'Host: a.example'), { version: '1.1' }],
    ['unknown method token passes', req('PURGE /x HTTP/1.1', 'Host: a.example'), { method: 'PURGE' }],
  ];
  test.each(cases)('%s', (_name, text, want) => {
    expect(head(text)).toMatchObject(want);
  });
});

describe('refused heads', () => {
  const cases: ReadonlyArray<[string, string, number, string]> = [
    ['CONNECT without a port', req('CONNECT example.com HTTP/1.1', 'Host: example.com'), 400, 'bad-port'],
    ['CONNECT port 0', req('CONNECT example.com:0 HTTP/1.1', 'Host: example.com'), 400, 'bad-port'],
    ['CONNECT port 70000', req('CONNECT example.com:70000 HTTP/1.1', 'Host: example.com'), 400, 'bad-port'],
    ['CONNECT empty port', req('CONNECT example.com: HTTP/1.1', 'Host: example.com'), 400, 'bad-port'],
    ['CONNECT unbracketed IPv6', req('CONNECT ::1:443 HTTP/1.1', 'Host: example.com'), 400, 'bad-host'],
    ['CONNECT IPv6 without a port', req('CONNECT [::1] HTTP/1.1', 'Host: example.com'), 400, 'bad-port'],
    ['CONNECT origin-form', req('CONNECT /x HTTP/1.1', 'Host: example.com'), 400, 'bad-host'],
    [
      'CONNECT with a body',
      req('CONNECT a.example:443 HTTP/1.1', 'Host: a.example', 'Content-Length: 4'),
      400,
      'connect-body',
    ],
    ['asterisk-form for GET', req('GET * HTTP/1.1', 'Host: example.com'), 400, 'bad-target'],
    ['authority-form for GET', req('GET example.com:80 HTTP/1.1', 'Host: example.com'), 400, 'bad-target'],
    ['fragment in target', req('GET /a#b HTTP/1.1', 'Host: example.com'), 400, 'bad-target'],
    ['userinfo', req('GET http://user:pw@example.com/ HTTP/1.1', 'Host: example.com'), 400, 'userinfo'],
    ['ftp scheme', req('GET ftp://example.com/ HTTP/1.1', 'Host: example.com'), 501, 'unsupported-scheme'],
    ['numeric name', req('GET http://127.1/ HTTP/1.1', 'Host: 127.1'), 400, 'bad-host'],
    ['hex name', req('GET http://0x7f.1/ HTTP/1.1', 'Host: a.example'), 400, 'bad-host'],
    ['percent in host', req('GET / HTTP/1.1', 'Host: ex%61mple.com'), 400, 'bad-host'],
    ['two spaces', req('GET  / HTTP/1.1', 'Host: a.example'), 400, 'bad-request-line'],
    ['HTTP/0.9 style', 'GET /\r\n\r\n', 400, 'bad-request-line'],
    ['method with a slash', req('GE/T / HTTP/1.1', 'Host: a.example'), 400, 'bad-method'],
    ['lowercase version', req('GET / http/1.1', 'Host: a.example'), 400, 'bad-version'],
    ['HTTP/2.0', req('GET / HTTP/2.0', 'Host: a.example'), 505, 'unsupported-version'],
    ['obs-fold', req('GET / HTTP/1.1', 'Host: a.example', 'X-A: one', ' two'), 400, 'obs-fold'],
    ['whitespace before the first field', req('GET / HTTP/1.1', ' Host: a.example'), 400, 'obs-fold'],
    ['space before colon', req('GET / HTTP/1.1', 'Host : a.example'), 400, 'bad-header-name'],
    ['empty field name', req('GET / HTTP/1.1', 'Host: a.example', ': x'), 400, 'bad-header-name'],
    ['NUL in a value', req('GET / HTTP/1.1', 'Host: a.example', 'X: a\0b'), 400, 'bad-header-value'],
    ['bare CR in a value', req('GET / HTTP/1.1', 'Host: a.example', 'X: a\rb'), 400, 'bad-header-value'],
    ['no Host in HTTP/1.1', req('GET / HTTP/1.1'), 400, 'missing-host'],
    ['no Host in HTTP/1.1, absolute-form', req('GET http://a.example/ HTTP/1.1'), 400, 'missing-host'],
    ['empty Host, origin-form', req('GET / HTTP/1.1', 'Host:'), 400, 'missing-host'],
    ['two Host lines', req('GET / HTTP/1.1', 'Host: a.example', 'Host: b.example'), 400, 'duplicate-host'],
    [
      'two equal Host lines',
      req('GET / HTTP/1.1', 'Host: a.example', 'Host: a.example'),
      400,
      'duplicate-host',
    ],
    [
      'CL + TE',
      req('POST / HTTP/1.1', 'Host: a', 'Content-Length: 3', 'Transfer-Encoding: chunked'),
      400,
      'content-length-and-transfer-encoding',
    ],
    [
      'duplicate CL differing',
      req('POST / HTTP/1.1', 'Host: a', 'Content-Length: 3', 'Content-Length: 4'),
      400,
      'bad-content-length',
    ],
    [
      'CL list differing',
      req('POST / HTTP/1.1', 'Host: a', 'Content-Length: 3, 4'),
      400,
      'bad-content-length',
    ],
    ['CL negative', req('POST / HTTP/1.1', 'Host: a', 'Content-Length: -1'), 400, 'bad-content-length'],
    ['CL empty', req('POST / HTTP/1.1', 'Host: a', 'Content-Length:'), 400, 'bad-content-length'],
    [
      'TE chunked not last',
      req('POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked, gzip'),
      400,
      'bad-transfer-encoding',
    ],
    [
      'TE chunked twice',
      req('POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'),
      400,
      'bad-transfer-encoding',
    ],
    [
      'TE in HTTP/1.0',
      req('POST / HTTP/1.0', 'Host: a', 'Transfer-Encoding: chunked'),
      400,
      'bad-transfer-encoding',
    ],
    [
      'TE unknown coding',
      req('POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: br, chunked'),
      501,
      'unsupported-transfer-encoding',
    ],
    [
      'Connection names Content-Length',
      req('POST / HTTP/1.1', 'Host: a', 'Content-Length: 1', 'Connection: content-length'),
      400,
      'bad-connection-option',
    ],
    ['bare LF refused when strict', 'GET / HTTP/1.1\nHost: a\n\n', 400, 'bare-lf'],
  ];
  test.each(cases)('%s', (name, text, status, reason) => {
    const strict = name.includes('strict') ? { bareLf: false } : {};
    expect(parse(text, strict)).toEqual({ state: 'error', status, reason });
  });

  test('a head over the byte limit is 431; a request line over it is 414', () => {
    const big = req('GET / HTTP/1.1', 'Host: a.example', `X-Big: ${'a'.repeat(20_000)}`);
    expect(parse(big)).toEqual({ state: 'error', status: 431, reason: 'head-too-large' });
    expect(parse(`GET /${'a'.repeat(20_000)} HTTP/1.1\r\n`)).toEqual({
      state: 'error',
      status: 414,
      reason: 'target-too-long',
    });
    const exact = req('GET / HTTP/1.1', 'Host: a.example', 'X: ');
    expect(parse(exact, { maxHeadBytes: exact.length }).state).toBe('done');
    expect(parse(exact, { maxHeadBytes: exact.length - 1 })).toMatchObject({ status: 431 });
  });

  test('more header lines than allowed is 431', () => {
    const fields = Array.from({ length: 101 }, (_, i) => `X-${i}: ${i}`);
    expect(parse(req('GET / HTTP/1.1', 'Host: a', ...fields))).toEqual({
      state: 'error',
      status: 431,
      reason: 'too-many-headers',
    });
    expect(parse(req('GET / HTTP/1.1', 'Host: a', ...fields.slice(2))).state).toBe('done');
  });

  test('endless empty lines before a request hit the limit', () => {
    expect(parse('\r\n'.repeat(10_000))).toMatchObject({ state: 'error', status: 414 });
  });
});

describe('framing and connection', () => {
  test.each([
    ['no body', req('GET / HTTP/1.1', 'Host: a'), { body: 'none', contentLength: -1, keepAlive: true }],
    [
      'content-length',
      req('POST / HTTP/1.1', 'Host: a', 'Content-Length: 42'),
      { body: 'length', contentLength: 42 },
    ],
    [
      'equal CL lines collapse',
      req('POST / HTTP/1.1', 'Host: a', 'Content-Length: 5', 'Content-Length: 5, 5'),
      { contentLength: 5 },
    ],
    [
      'chunked',
      req('POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: gzip', 'Transfer-Encoding: Chunked'),
      { body: 'chunked' },
    ],
    [
      'close',
      req('GET / HTTP/1.1', 'Host: a', 'Connection: close'),
      { keepAlive: false, connection: ['close'] },
    ],
    ['1.0 keep-alive', req('GET / HTTP/1.0', 'Host: a', 'Connection: Keep-Alive'), { keepAlive: true }],
    [
      'upgrade',
      req('GET / HTTP/1.1', 'Host: a', 'Upgrade: websocket', 'Connection: Upgrade'),
      { upgrade: 'websocket' },
    ],
    [
      'upgrade not named in Connection is ignored',
      req('GET / HTTP/1.1', 'Host: a', 'Upgrade: websocket'),
      { upgrade: null },
    ],
  ])('%s', (_name, text, want) => {
    expect(head(text)).toMatchObject(want);
  });

  test('header names are lowercased, values trimmed, obs-text kept byte for byte', () => {
    expect(head(req('GET / HTTP/1.1', 'HOST: a', 'X-Name: \t caf\xe9  ')).headers).toEqual([
      ['host', 'a'],
      ['x-name', 'caf\xe9'],
    ]);
  });

  test('bytesConsumed and rest point at the body and the next request', () => {
    const text = REQUEST_HEADS[11];
    const r = parse(text);
    if (r.state !== 'done') throw new Error('expected done');
    expect(r.head.path).toBe('/after-empty-line');
    const next = parseRequestHead(r.rest);
    expect(next).toMatchObject({ state: 'done', head: { path: '/next' } });
    expect(r.bytesConsumed + (next.state === 'done' ? next.bytesConsumed : 0)).toBe(
      Buffer.byteLength(text, 'latin1'),
    );
    const post = parse(REQUEST_HEADS[4]);
    expect(post.state === 'done' && Buffer.from(post.rest).toString()).toBe('{"a":"hello"}');
  });
});

describe('incremental reading', () => {
  test('every corpus head split in two at every byte gives the same result', () => {
    for (const text of REQUEST_HEADS) {
      const bytes = Buffer.from(text, 'latin1');
      const whole = parseRequestHead(bytes);
      expect(whole.state).toBe('done');
      for (let i = 1; i < bytes.length; i++) {
        const reader = new RequestHeadReader();
        const first = reader.push(bytes.subarray(0, i));
        const r: HttpHeadResult = first.state === 'need-more' ? reader.push(bytes.subarray(i)) : first;
        expect(stripRest(r)).toEqual(stripRest(whole));
      }
    }
  });

  test('byte by byte', () => {
    for (const text of REQUEST_HEADS) {
      const bytes = Buffer.from(text, 'latin1');
      const reader = new RequestHeadReader();
      let r: HttpHeadResult = { state: 'need-more' };
      for (let i = 0; i < bytes.length && r.state === 'need-more'; i++)
        r = reader.push(bytes.subarray(i, i + 1));
      expect(stripRest(r)).toEqual(stripRest(parseRequestHead(bytes)));
    }
  });

  test('one reader, reset between heads (split, refused or whole), reads each as a new one would', () => {
    const reader = new RequestHeadReader({ maxHeadBytes: 512 });
    const inputs = [...REQUEST_HEADS, `GET / HTTP/1.1\r\nx: ${'a'.repeat(600)}\r\n\r\n`, 'BAD\r\n\r\n'];
    for (const text of [...inputs, ...inputs]) {
      const bytes = Buffer.from(text, 'latin1');
      const half = bytes.length >> 1;
      reader.reset();
      const first = reader.push(bytes.subarray(0, half));
      const r: HttpHeadResult = first.state === 'need-more' ? reader.push(bytes.subarray(half)) : first;
      expect(stripRest(r)).toEqual(stripRest(parseRequestHead(bytes, { maxHeadBytes: 512 })));
    }
  });

  test('a reader remembering its last request line and Host reads mutated heads as a new one would', () => {
    const reader = new RequestHeadReader();
    const bytes = ['\r', '\n', ' ', ':', '/', '.', 'A', '0', '@', '\x7f', '\xe9'];
    let seed = 11;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 20_000; i++) {
      const base = REQUEST_HEADS[next() % REQUEST_HEADS.length];
      // Every other head unchanged, so remembered lines are hit as well as missed.
      const at = next() % Math.min(base.length, 80);
      const text =
        i % 2 === 0 ? base : base.slice(0, at) + bytes[next() % bytes.length] + base.slice(at + (next() % 2));
      const buf = Buffer.from(text, 'latin1');
      reader.reset();
      expect(stripRest(reader.push(buf)), JSON.stringify(text)).toEqual(stripRest(parseRequestHead(buf)));
    }
  });
});

function stripRest(r: HttpHeadResult) {
  return r.state === 'done' ? { ...r, rest: null } : r;
}

describe('the head forwarded to the origin', () => {
  const format = (text: string, options = {}) =>
    formatOriginHead(head(text), { via: 'gatehouse', ...options }).toString('latin1');

  test('absolute-form becomes origin-form, hop-by-hop fields go, Via is added', () => {
    expect(format(REQUEST_HEADS[0])).toBe(
      'GET /index.html?q=1 HTTP/1.1\r\nhost: example.com\r\nuser-agent: curl/7.88.1\r\naccept: */*\r\nvia: 1.1 gatehouse\r\n\r\n',
    );
  });

  test('fields named by Connection are removed, Host is rewritten from what was judged', () => {
    expect(format(REQUEST_HEADS[1])).toBe(
      'GET /path HTTP/1.1\r\nhost: example.com:8080\r\naccept-encoding: gzip\r\nvia: 1.1 gatehouse\r\n\r\n',
    );
  });

  test('Transfer-Encoding stays, TE and Proxy-Authorization go, existing Via is kept before ours', () => {
    expect(format(REQUEST_HEADS[5])).toContain('transfer-encoding: gzip, chunked\r\n');
    expect(format(REQUEST_HEADS[5])).not.toContain('te: trailers');
    const out = format(REQUEST_HEADS[9], { close: true });
    expect(out).toBe(
      'HEAD / HTTP/1.1\r\nhost: example.com\r\nvia: 1.1 upstream\r\nconnection: close\r\nvia: 1.1 gatehouse\r\n\r\n',
    );
  });

  test('one Content-Length is sent for equal duplicates', () => {
    const out = format(req('POST / HTTP/1.0', 'Host: a.example', 'Content-Length: 5', 'Content-Length: 5'));
    expect(out).toBe('POST / HTTP/1.1\r\nhost: a.example\r\ncontent-length: 5\r\nvia: 1.0 gatehouse\r\n\r\n');
  });

  test('Upgrade passes only for allowed protocols', () => {
    expect(format(REQUEST_HEADS[8])).not.toContain('upgrade');
    const ws = format(REQUEST_HEADS[8], { upgradeProtocols: ['websocket'] });
    expect(ws).toContain('\r\nupgrade: websocket\r\nconnection: upgrade\r\n');
    expect(ws).toContain('sec-websocket-version: 13\r\n');
  });

  test('asterisk-form and CONNECT keep their targets', () => {
    expect(format(REQUEST_HEADS[6])).toMatch(/^OPTIONS \* HTTP\/1\.1\r\nhost: example\.com\r\n/);
    expect(format(REQUEST_HEADS[3])).toMatch(
      /^CONNECT \[2001:db8::1\]:443 HTTP\/1\.1\r\nhost: \[2001:db8::1\]:443\r\n/,
    );
  });

  test('every corpus head formats to a head that parses back to the same request', () => {
    for (const text of REQUEST_HEADS) {
      const h = head(text);
      const again = head(format(text));
      expect([again.method, again.host, again.port, again.path, again.body, again.contentLength]).toEqual([
        h.method,
        h.host,
        h.port,
        h.path,
        h.body,
        h.contentLength,
      ]);
    }
  });
});

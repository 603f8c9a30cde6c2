import { describe, expect, test } from 'vitest';
import { BodyFramer, type Framing } from './framing.js';
import { formatClientHead, originKeepsAlive, ResponseHeadReader, responseFraming } from './http-response.js';

const b = (s: string) => Buffer.from(s, 'latin1');

/** Feeds `text` in pieces of `step` bytes; returns body bytes counted and whether it ended. */
function frame(framing: Framing, text: string, step: number): { used: number; done: boolean } {
  const f = new BodyFramer(framing);
  let used = 0;
  for (let i = 0; i < text.length && !f.done; i += step) {
    const n = f.push(b(text.slice(i, i + step)));
    if (n < 0) return { used: -1, done: false };
    used += n;
  }
  return { used, done: f.done };
}

describe('BodyFramer', () => {
  const chunked = '5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n';
  test.each([
    { name: 'length', framing: { kind: 'length', length: 5 }, text: 'helloNEXT', used: 5, done: true },
    { name: 'zero length', framing: { kind: 'length', length: 0 }, text: 'NEXT', used: 0, done: true },
    { name: 'none', framing: { kind: 'none' }, text: 'NEXT', used: 0, done: true },
    { name: 'close-delimited', framing: { kind: 'close' }, text: 'all of it', used: 9, done: false },
    {
      name: 'chunked with trailer',
      framing: { kind: 'chunked' },
      text: `${chunked}NEXT`,
      used: chunked.length,
      done: true,
    },
    { name: 'chunked bare LF', framing: { kind: 'chunked' }, text: '3\nabc\n0\n\nNEXT', used: 9, done: true },
    {
      name: 'chunked hex sizes',
      framing: { kind: 'chunked' },
      text: `A\r\n${'x'.repeat(10)}\r\n0\r\n\r\n`,
      used: 20,
      done: true,
    },
    { name: 'chunked unfinished', framing: { kind: 'chunked' }, text: '5\r\nhel', used: 6, done: false },
    { name: 'chunked no digits', framing: { kind: 'chunked' }, text: '\r\n', used: -1, done: false },
    {
      name: 'chunked junk after data',
      framing: { kind: 'chunked' },
      text: '1\r\naXY',
      used: -1,
      done: false,
    },
  ] as const)('$name', ({ framing, text, used, done }) => {
    for (const step of [1, 3, 1000]) expect(frame(framing as Framing, text, step)).toEqual({ used, done });
  });
});

describe('ResponseHeadReader', () => {
  test('reads a head split anywhere and keeps the rest', () => {
    const text =
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive, X-Foo\r\nX-Foo: 1\r\n\r\nabc';
    for (let cut = 1; cut < text.length; cut += 7) {
      const r = new ResponseHeadReader();
      expect(r.push(b(text.slice(0, cut))).state).toBe(cut >= text.length - 3 ? 'done' : 'need-more');
      const done = r.push(b(text.slice(cut)));
      if (done.state !== 'done') continue;
      expect(done.head.status).toBe(200);
      expect(done.rest.toString()).toBe('abc'.slice(Math.max(0, cut - (text.length - 3))));
    }
  });

  test.each([
    ['HTTP/2 200 OK\r\n\r\n'],
    ['HTTP/1.1 20 OK\r\n\r\n'],
    ['HTTP/1.1 200 OK\r\n folded\r\n\r\n'],
    ['HTTP/1.1 200 OK\r\nbad name: x\r\n\r\n'],
  ])('refuses %j', (text) => {
    expect(new ResponseHeadReader().push(b(text)).state).toBe('error');
  });

  test('refuses a head over the limit', () => {
    expect(new ResponseHeadReader(64).push(b(`HTTP/1.1 200 OK\r\nx: ${'a'.repeat(100)}`)).state).toBe(
      'error',
    );
  });
});

describe('responseFraming', () => {
  const head = (status: number, headers: [string, string][], version: '1.0' | '1.1' = '1.1') => ({
    version,
    status,
    reason: '',
    headers,
    connection: headers.filter(([n]) => n === 'connection').map(([, v]) => v),
  });
  test.each([
    { status: 200, headers: [['content-length', '10']], method: 'GET', kind: 'length' },
    { status: 200, headers: [['content-length', '10']], method: 'HEAD', kind: 'none' },
    { status: 204, headers: [], method: 'GET', kind: 'none' },
    { status: 304, headers: [['content-length', '10']], method: 'GET', kind: 'none' },
    { status: 200, headers: [['transfer-encoding', 'gzip, chunked']], method: 'GET', kind: 'chunked' },
    { status: 200, headers: [['transfer-encoding', 'gzip']], method: 'GET', kind: 'close' },
    { status: 200, headers: [], method: 'GET', kind: 'close' },
  ] as const)('$status $method $headers → $kind', ({ status, headers, method, kind }) => {
    const f = responseFraming(
      head(
        status,
        headers.map(([n, v]) => [n, v]),
      ),
      method,
    );
    expect(typeof f === 'string' ? f : f.kind).toBe(kind);
  });

  test('refuses differing content lengths', () => {
    expect(typeof responseFraming(head(200, [['content-length', '1, 2']]), 'GET')).toBe('string');
  });

  test.each([
    { version: '1.1', connection: [], keep: true },
    { version: '1.1', connection: [['connection', 'close']], keep: false },
    { version: '1.0', connection: [], keep: false },
    { version: '1.0', connection: [['connection', 'keep-alive']], keep: true },
  ] as const)('HTTP/$version $connection keeps alive: $keep', ({ version, connection, keep }) => {
    const h = head(
      200,
      [['content-length', '0'], ...connection.map(([n, v]): [string, string] => [n, v])],
      version,
    );
    expect(originKeepsAlive(h, { kind: 'length', length: 0 })).toBe(keep);
  });

  test('formatClientHead drops hop-by-hop fields and those Connection names', () => {
    const h = head(200, [
      ['connection', 'x-secret'],
      ['x-secret', '1'],
      ['keep-alive', 'timeout=5'],
      ['content-length', '0'],
    ]);
    expect(formatClientHead({ ...h, connection: ['x-secret'] }, true, 'gatehouse').toString()).toBe(
      'HTTP/1.1 200 \r\ncontent-length: 0\r\nconnection: close\r\nvia: 1.1 gatehouse\r\n\r\n',
    );
  });
});

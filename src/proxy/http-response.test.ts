import { describe, expect, test } from 'vitest';
import { formatClientHead, type ResponseHead, ResponseHeadReader } from './http-response.js';

const read = (text: string) => new ResponseHeadReader().push(Buffer.from(text, 'latin1'));

/** The reader's answer as plain data: the head, or the error reason. */
function outcome(text: string): ResponseHead | string | null {
  const r = read(text);
  if (r.state === 'need-more') return null;
  return r.state === 'error' ? r.reason : r.head;
}

// The split-based parser the one-pass one replaced: the oracle for the fuzz below.
function oracle(text: string): ResponseHead | string | null {
  const end = /\r?\n\r?\n/.exec(text);
  if (end === null) return null;
  const lines = text.slice(0, end.index + end[0].length).split(/\r?\n/);
  const m = /^HTTP\/1\.(\d) (\d{3})(?: (.*))?$/.exec(lines[0]);
  if (!m) return `bad status line "${lines[0].slice(0, 64)}"`;
  const headers: [string, string][] = [];
  const connection: string[] = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0 || line[0] === ' ' || line[0] === '\t') return `bad header line "${line.slice(0, 64)}"`;
    const name = line.slice(0, colon).toLowerCase();
    if (/[^!#$%&'*+\-.^_`|~0-9a-z]/.test(name)) return `bad header name "${name.slice(0, 64)}"`;
    const value = line.slice(colon + 1).trim();
    if (/[\0\r\n]/.test(value)) return `bad header value for "${name}"`;
    headers.push([name, value]);
    if (name === 'connection') for (const t of value.split(',')) connection.push(t.trim().toLowerCase());
  }
  return {
    version: m[1] === '0' ? '1.0' : '1.1',
    status: Number(m[2]),
    reason: m[3] ?? '',
    headers,
    connection,
  };
}

describe('ResponseHeadReader', () => {
  test.each([
    { name: 'CRLF', text: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A:  b \r\n\r\nabc' },
    { name: 'bare LF', text: 'HTTP/1.0 404 Not Found\nconnection: Keep-Alive, X-Y\nx-y: 1\n\n' },
    { name: 'no reason', text: 'HTTP/1.1 204\r\n\r\n' },
    { name: 'empty value', text: 'HTTP/1.1 200 OK\r\nx-empty:\r\n\r\n' },
    { name: 'latin1 value', text: 'HTTP/1.1 200 OK\r\nx-l: caf\xe9\r\n\r\n' },
    { name: 'CR inside a line', text: 'HTTP/1.1 200 OK\r\nx-a: b\rc\r\n\r\n' },
    { name: 'obs-fold', text: 'HTTP/1.1 200 OK\r\nx-a: b\r\n c\r\n\r\n' },
    { name: 'space before colon', text: 'HTTP/1.1 200 OK\r\nx-a : b\r\n\r\n' },
    { name: 'no colon', text: 'HTTP/1.1 200 OK\r\nx-a\r\n\r\n' },
    { name: 'non-token name', text: 'HTTP/1.1 200 OK\r\nx\xe9: b\r\n\r\n' },
    { name: 'NUL in value', text: 'HTTP/1.1 200 OK\r\nx-a: b\0c\r\n\r\n' },
    { name: 'bad status line', text: 'HTTP/2 200 OK\r\n\r\n' },
    { name: 'three-digit status only', text: 'HTTP/1.1 20 OK\r\n\r\n' },
    { name: 'four-digit status', text: 'HTTP/1.1 2000 OK\r\n\r\n' },
    { name: 'empty reason', text: 'HTTP/1.1 200 \r\n\r\n' },
    { name: 'reason with spaces', text: 'HTTP/1.0 503 Service  Unavailable \r\n\r\n' },
    { name: 'two-digit minor version', text: 'HTTP/1.10 200 OK\r\n\r\n' },
    { name: 'lowercase version', text: 'http/1.1 200 OK\r\n\r\n' },
    { name: 'tab after the version', text: 'HTTP/1.1\t200 OK\r\n\r\n' },
    { name: 'CR in the reason', text: 'HTTP/1.1 200 O\rK\r\n\r\n' },
    { name: 'non-ASCII digits', text: 'HTTP/1.1 2\xb20 OK\r\n\r\n' },
    { name: 'incomplete', text: 'HTTP/1.1 200 OK\r\nx-a: b\r\n' },
  ])('$name: as the split-based parser read it', ({ text }) => {
    expect(outcome(text)).toEqual(oracle(text));
  });

  test('mutated heads: as the split-based parser read them', () => {
    const base = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\nX-A: b\r\n\r\n';
    const bytes = ['\r', '\n', ' ', '\t', ':', '\0', 'A', '\xe9', '\x7f', '"'];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 5000; i++) {
      const at = 1 + (next() % (base.length - 5));
      const text = base.slice(0, at) + bytes[next() % bytes.length] + base.slice(at + (next() % 2));
      expect(outcome(text), JSON.stringify(text)).toEqual(oracle(text));
    }
  });

  test('the client head drops hop-by-hop fields and those Connection names', () => {
    const head = outcome('HTTP/1.1 200 OK\r\nConnection: x-y\r\nX-Y: 1\r\nKeep-Alive: 5\r\nX-Z: 2\r\n\r\n');
    const text = formatClientHead(head as ResponseHead, true, 'gatehouse').toString('latin1');
    expect(text).toBe('HTTP/1.1 200 OK\r\nx-z: 2\r\nconnection: close\r\nvia: 1.1 gatehouse\r\n\r\n');
  });
});

import { describe, expect, test } from 'vitest';
import { type Forwarded, mayRetry, refusal } from './forward-rules.js';
import { parseRequestHead, type RequestHead } from './http-head.js';

function head(text: string): RequestHead {
  const r = parseRequestHead(Buffer.from(text.replaceAll('\n', '\r\n'), 'latin1'));
  if (r.state !== 'done') throw new Error(`test head refused: ${JSON.stringify(r)}`);
  return r.head;
}

const GET = 'GET http://a.test/ HTTP/1.1\nhost: a.test\n\n';
const forwarded = (text: string, retried = false): Forwarded => ({
  head: head(text),
  addresses: ['127.0.0.1'],
  port: 80,
  bytesUpBefore: 0,
  retried,
});

describe('mayRetry (RFC 9112 §9.3.1)', () => {
  test.each([
    ['an unanswered GET on a reused connection', GET, 502, true, true, false, true],
    [
      'HEAD, OPTIONS, DELETE too',
      'DELETE http://a.test/x HTTP/1.1\nhost: a.test\n\n',
      502,
      true,
      true,
      false,
      true,
    ],
    ['not twice', GET, 502, true, true, true, false],
    ['not on a new connection', GET, 502, true, false, false, false],
    ['not once the origin sent a byte', GET, 502, false, true, false, false],
    ['not after a timeout (504)', GET, 504, true, true, false, false],
    [
      'not POST',
      'POST http://a.test/ HTTP/1.1\nhost: a.test\ncontent-length: 0\n\n',
      502,
      true,
      true,
      false,
      false,
    ],
    [
      'not a PUT with a body',
      'PUT http://a.test/ HTTP/1.1\nhost: a.test\ncontent-length: 1\n\n',
      502,
      true,
      true,
      false,
      false,
    ],
  ])('%s', (_name, text, status, unanswered, reused, retried, expected) => {
    expect(mayRetry(forwarded(text, retried), status, unanswered, reused)).toBe(expected);
  });
});

describe('refusal', () => {
  test.each([
    ['absolute http on the explicit port', GET, true, false],
    ['origin-form on the explicit port', 'GET / HTTP/1.1\nhost: a.test\n\n', true, true],
    ['origin-form on a transparent port', 'GET / HTTP/1.1\nhost: a.test\n\n', false, false],
    ['https in absolute form', 'GET https://a.test/ HTTP/1.1\nhost: a.test\n\n', true, true],
    ['CONNECT on the explicit port', 'CONNECT a.test:443 HTTP/1.1\nhost: a.test:443\n\n', true, false],
    ['CONNECT on a transparent port', 'CONNECT a.test:443 HTTP/1.1\nhost: a.test:443\n\n', false, true],
  ])('%s', (_name, text, explicit, refused) => {
    expect(refusal(head(text), explicit) !== null).toBe(refused);
  });
});

import { describe, expect, test } from 'vitest';
import { makeOrder, T0, withTargets } from '../../test/helpers/orders.js';
import { compilePolicy } from '../policy/compile.js';
import { evaluate } from '../policy/evaluate.js';
import { blockedResponse, errorResponse, orderOf, wantsJson } from './respond.js';

describe('wantsJson', () => {
  test.each([
    { accept: undefined, json: false },
    { accept: '*/*', json: false },
    { accept: 'text/html,application/xhtml+xml', json: false },
    { accept: 'application/json', json: true },
    { accept: 'text/html;q=0.9, Application/JSON', json: true },
    { accept: 'application/json;q=0', json: false },
  ])('$accept → $json', ({ accept, json }) => {
    expect(wantsJson(accept)).toBe(json);
  });
});

function split(b: Buffer) {
  const text = b.toString('utf8');
  const [head, body] = text.split('\r\n\r\n');
  return { lines: head.split('\r\n'), body };
}

describe('responses', () => {
  const policy = compilePolicy([withTargets(makeOrder(7), ['blocked.test'])], T0);
  const decision = evaluate(policy, { domain: 'blocked.test', time: T0 });

  test('451 names the order in a blocked-by link, and its length is exact (RFC 7725 §3)', () => {
    const order = orderOf(policy, decision);
    expect(order?.id).toBe(7);
    const { lines, body } = split(blockedResponse(order, 7, 'https://g.example', false, true));
    expect(lines[0]).toBe('HTTP/1.1 451 Unavailable For Legal Reasons');
    expect(lines).toContain('link: <https://g.example/notices/7>; rel="blocked-by"');
    expect(lines).toContain('cache-control: no-store');
    expect(lines).toContain('connection: close');
    expect(lines).toContain(`content-length: ${Buffer.byteLength(body)}`);
  });

  test('451 still discloses when the order left the snapshot', () => {
    const { lines, body } = split(blockedResponse(null, 8, 'https://g.example', true, false));
    expect(lines).toContain('link: <https://g.example/notices/8>; rel="blocked-by"');
    expect(lines).toContain('connection: keep-alive');
    expect(JSON.parse(body)).toEqual({ orderId: 8 });
  });

  test('errors are plain text with a length', () => {
    const { lines, body } = split(errorResponse(502, 'the origin refused'));
    expect(lines[0]).toBe('HTTP/1.1 502 Bad Gateway');
    expect(body).toBe('the origin refused\n');
    expect(lines).toContain('content-length: 19');
  });
});

import { describe, expect, test } from 'vitest';
import { arr } from './dsl.js';
import { cidr, formatListen, listen, redactUrl, storeUrl, upstream, url } from './net-fields.js';
import { validate } from './tree.js';

const one = (field: Parameters<typeof arr>[0], value: unknown) => validate(arr(field), [value]);

describe('listen', () => {
  test.each([
    ['127.0.0.1:53', { host: '127.0.0.1', port: 53, family: 4 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0, family: 4 }],
    ['[::]:853', { host: '::', port: 853, family: 6 }],
    ['[::ffff:192.0.2.1]:53', { host: '::ffff:c000:201', port: 53, family: 6 }],
    [
      { host: '::1', port: 53 },
      { host: '::1', port: 53, family: 6 },
    ],
  ])('%j', (input, expected) => {
    expect(one(listen(), input).value).toEqual([expected]);
  });

  test.each([
    ['127.0.0.1:65536', '[0].port: expected 0..65535, got 65536'],
    ['127.0.0.1:-1', '[0].port: expected integer 0..65535, got "-1"'],
    ['127.0.0.1:', '[0].port: expected integer 0..65535, got ""'],
    ['010.0.0.1:53', '[0].host: expected an IP address, got "010.0.0.1"'],
    ['[fe80::1%eth0]:53', '[0].host: expected an IPv6 address in brackets, got "fe80::1%eth0"'],
    [':53', '[0].host: expected an IP address, got ""'],
    [53, '[0]: expected "ADDR:PORT", got 53'],
    [{ host: 'x' }, '[0]: expected "ADDR:PORT", got a mapping'],
  ])('refuses %j', (input, issue) => {
    expect(one(listen(), input).issues).toEqual([issue]);
  });

  test('formats back', () => {
    expect(formatListen({ host: '::1', port: 53 })).toBe('[::1]:53');
    expect(formatListen({ host: '192.0.2.1', port: 0 })).toBe('192.0.2.1:0');
  });
});

describe("upstream (delegates to the resolver's parser)", () => {
  test.each([
    ['192.0.2.1', { protocol: 'udp', host: '192.0.2.1', port: 53 }],
    ['[2001:db8::1]:5300', { protocol: 'udp', host: '2001:db8::1', port: 5300 }],
    ['tcp://192.0.2.1', { protocol: 'tcp', host: '192.0.2.1', port: 53 }],
    [
      'tls://192.0.2.1#dns.example',
      { protocol: 'tls', host: '192.0.2.1', port: 853, servername: 'dns.example' },
    ],
  ])('%s', (input, expected) => {
    const { value } = one(upstream(), input);
    expect(value).toEqual([expect.objectContaining(expected)]);
    expect(one(upstream(), (value as never[])[0]).value).toEqual(value);
  });

  test.each(['https://dns.example', 'dns.example', '192.0.2.1#dns.example', 'tls://192.0.2.1:99999'])(
    'refuses %j',
    (input) => {
      const { issues } = one(upstream(), input);
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatch(/^\[0\]: parsing upstream ".*": [a-z]/);
    },
  );

  test('refuses a non-string', () => {
    expect(one(upstream(), 53).issues).toEqual([
      '[0]: expected "ADDR[:PORT]" or "tls://ADDR[:PORT][#name]", got 53',
    ]);
  });
});

describe('cidr, url, store', () => {
  test.each([
    [cidr(), '10.0.0.0/8', '10.0.0.0/8'],
    [cidr(), '192.0.2.1', '192.0.2.1'],
    [cidr(), '2001:0db8::/32', '2001:db8::/32'],
    [url(), 'https://gw.example/notices/', 'https://gw.example/notices'],
    [url(), 'http://[::1]:8080', 'http://[::1]:8080'],
    [storeUrl(), 'sqlite::memory:', { kind: 'sqlite', path: ':memory:' }],
    [storeUrl(), 'postgresql://gh@db/gh', { kind: 'postgres', url: 'postgresql://gh@db/gh' }],
    [storeUrl(), { kind: 'sqlite', path: '/x.db' }, { kind: 'sqlite', path: '/x.db' }],
  ])('%#: %j', (field, input, expected) => {
    expect(one(field, input).value).toEqual([expected]);
  });

  test.each([
    [cidr(), 'fe80::1/64', '[0]: host bits set in "fe80::1/64" (did you mean "fe80::/64"?)'],
    [cidr(), 8, '[0]: expected CIDR like "10.0.0.0/8", got 8'],
    [url(), 'gw.example', '[0]: expected http(s) URL, got "gw.example"'],
    [storeUrl(), 'sqlite:', '[0]: expected "sqlite:PATH" or "postgres://USER@HOST/DB", got "sqlite:"'],
  ])('%#: refuses %j', (field, input, issue) => {
    expect(one(field, input).issues).toEqual([issue]);
  });

  test.each([
    ['postgres://gh:secret@db/gh', 'postgres://gh:***@db/gh'],
    ['postgres://gh@db/gh', 'postgres://gh@db/gh'],
    ['sqlite:/a:b@c', 'sqlite:/a:b@c'],
  ])('redactUrl(%j)', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });
});

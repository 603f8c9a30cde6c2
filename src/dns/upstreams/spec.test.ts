import { describe, expect, it } from 'vitest';
import { isGatehouseError } from '../../core/errors.js';
import { parseResolvConf, parseUpstream } from './spec.js';

describe('parseUpstream', () => {
  it.each([
    ['192.0.2.1', 'udp', '192.0.2.1', 53, '192.0.2.1:53', undefined],
    ['192.0.2.1:5353', 'udp', '192.0.2.1', 5353, '192.0.2.1:5353', undefined],
    ['udp://192.0.2.1', 'udp', '192.0.2.1', 53, '192.0.2.1:53', undefined],
    ['2001:DB8::1', 'udp', '2001:db8::1', 53, '[2001:db8::1]:53', undefined],
    ['[2001:db8::1]:54', 'udp', '2001:db8::1', 54, '[2001:db8::1]:54', undefined],
    ['[fe80::1%eth0]:53', 'udp', 'fe80::1%eth0', 53, '[fe80::1%eth0]:53', undefined],
    ['tcp://127.0.0.1:99', 'tcp', '127.0.0.1', 99, 'tcp://127.0.0.1:99', undefined],
    ['tls://192.0.2.1', 'tls', '192.0.2.1', 853, 'tls://192.0.2.1:853', undefined],
    [
      'TLS://127.0.0.1:8853#Localhost',
      'tls',
      '127.0.0.1',
      8853,
      'tls://127.0.0.1:8853#localhost',
      'localhost',
    ],
    ['tls://[::1]:853#dns.example', 'tls', '::1', 853, 'tls://[::1]:853#dns.example', 'dns.example'],
  ] as const)('%s', (text, protocol, host, port, id, servername) => {
    const spec = parseUpstream(text);
    expect(spec).toMatchObject({ protocol, host, port, id });
    expect(spec.servername).toBe(servername);
  });

  it.each([
    'dns.example:53',
    '192.0.2.1:0',
    '192.0.2.1:65536',
    '192.0.2.1:x',
    'https://192.0.2.1',
    '192.0.2.1#name',
    'tls://192.0.2.1#bad name',
    '[2001:db8::1',
    '192.0.2.1%eth0',
    '',
  ])('refuses %j with GH_ERR_DNS_UPSTREAM_CONFIG', (text) => {
    let caught: unknown;
    try {
      parseUpstream(text);
    } catch (err) {
      caught = err;
    }
    expect(isGatehouseError(caught, 'GH_ERR_DNS_UPSTREAM_CONFIG')).toBe(true);
  });
});

describe('parseResolvConf', () => {
  it('keeps nameserver IP literals only', () => {
    const text = [
      '# generated',
      'search example.test',
      'nameserver 192.0.2.53',
      'nameserver   2001:db8::53 # comment',
      'nameserver resolver.example',
      'nameserver fe80::1%eth0',
      ';nameserver 192.0.2.99',
      'options edns0',
    ].join('\n');
    expect(parseResolvConf(text)).toEqual(['192.0.2.53:53', '[2001:db8::53]:53', '[fe80::1%eth0]:53']);
    expect(parseResolvConf(text).map((t) => parseUpstream(t).id)).toHaveLength(3);
  });
});

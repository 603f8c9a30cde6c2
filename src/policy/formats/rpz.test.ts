import { describe, expect, it } from 'vitest';
import { parsePrefix } from '../../core/net/address.js';
import { parseListText } from './import.js';
import { RPZ_CLIENT_IP, RPZ_DROP, RPZ_FORGED } from './rpz.js';
import { decodeRpzIp, encodeRpzIp } from './rpz-ip.js';

const HEAD = '$TTL 300\n@ IN SOA localhost. root.localhost. 1 3600 600 86400 30\n NS localhost.\n';
const rpz = (body: string, origin?: string) => parseListText(HEAD + body, 'rpz', origin ? { origin } : {});

describe('rpz importer', () => {
  it.each([
    ['bad.example CNAME .', { kind: 'exact', value: 'bad.example', answer: 'nxdomain' }],
    ['*.bad.example CNAME .', { kind: 'subdomains', value: 'bad.example', answer: 'nxdomain' }],
    ['bad.example 60 IN CNAME *.', { kind: 'exact', value: 'bad.example', answer: 'nodata' }],
    ['ok.example CNAME rpz-passthru.', { kind: 'exact', value: 'ok.example', allow: true }],
    ['ok.example CNAME ok.example.', { kind: 'exact', value: 'ok.example', allow: true }],
    ['32.1.2.0.192.rpz-ip CNAME .', { kind: 'cidr', value: '192.0.2.1', answer: 'nxdomain' }],
    ['24.0.2.0.192.rpz-ip CNAME .', { kind: 'cidr', value: '192.0.2.0/24', answer: 'nxdomain' }],
    ['128.1.zz.db8.2001.rpz-ip CNAME .', { kind: 'cidr', value: '2001:db8::1', answer: 'nxdomain' }],
    ['48.zz.db8.2001.rpz-ip CNAME rpz-passthru.', { kind: 'cidr', value: '2001:db8::/48', allow: true }],
    ['Bad.Example. CNAME .', { kind: 'exact', value: 'bad.example', answer: 'nxdomain' }],
  ])('%s', (line, rule) => {
    const s = rpz(line.replace('Bad.Example.', 'Bad.Example.rpz.test.'), 'rpz.test');
    expect(s.errors).toEqual([]);
    expect(s.rules).toEqual([rule]);
  });

  it('follows $ORIGIN and blank owners, and reads parenthesised SOA records', () => {
    const text =
      '$ORIGIN rpz.test.\n$TTL 1h\nrpz.test. IN SOA ns. host. (\n 1 ; serial\n 3600 600 86400 30 )\n' +
      ' IN NS ns.\nx.example.rpz.test. CNAME .\ny.example CNAME .\n';
    const s = parseListText(text, 'rpz');
    expect(s.errors).toEqual([]);
    expect(s.rules.map((r) => r.value)).toEqual(['x.example', 'y.example']);
    expect(s.skipped['multi-line record (continued below)']).toBe(2);
  });

  it('merges x and *.x into a subtree rule', () => {
    expect(rpz('x.example CNAME .\n*.x.example CNAME .\n').rules).toEqual([
      { kind: 'subtree', value: 'x.example', answer: 'nxdomain' },
    ]);
  });

  it.each([
    ['x.example CNAME rpz-drop.', RPZ_DROP, 1],
    ['x.example A 192.0.2.1', RPZ_FORGED, 0],
    ['x.example AAAA 2001:db8::1', RPZ_FORGED, 0],
    ['x.example TXT "hello; world"', RPZ_FORGED, 0],
    ['x.example CNAME walled.garden.', RPZ_FORGED, 0],
    ['32.1.2.0.192.rpz-client-ip CNAME .', RPZ_CLIENT_IP, 0],
    ['ns.example.rpz-nsdname CNAME .', 'unsupported: rpz-nsdname trigger', 0],
    ['x.example CNAME rpz-tcp-only.', 'unsupported: rpz-tcp-only', 0],
  ])('%s warns "%s"', (line, reason, rules) => {
    const s = rpz(line);
    expect(s.warnings[reason]?.count).toBe(1);
    expect(s.rules).toHaveLength(rules);
  });

  it.each([
    ['33.1.2.0.192.rpz-ip CNAME .', 'invalid rpz-ip prefix'],
    ['24.1.2.0.192.rpz-ip CNAME .', 'host bits set'],
    ['x.*.example CNAME .', 'wildcard only allowed'],
    ['other.zone. CNAME .', 'outside the zone'],
    ['x.example CNAME', 'expected "owner'],
    ['$FOO bar', 'unknown directive'],
  ])('reports %s', (line, message) => {
    expect(rpz(line, 'rpz.test').errors[0]?.message).toContain(message);
  });

  it('skips the apex SOA and NS and counts every line', () => {
    const s = rpz('; comment\n\nx.example CNAME .\n');
    expect(s.skipped).toMatchObject({ 'zone apex (SOA, NS)': 2, directive: 1, comment: 1, blank: 1 });
    expect(s.lines).toBe(6);
  });
});

describe('rpz-ip triggers', () => {
  it.each([
    ['192.0.2.1', '32.1.2.0.192'],
    ['10.0.0.0/8', '8.0.0.0.10'],
    ['2001:db8::1', '128.1.zz.db8.2001'],
    ['2001:db8::/32', '32.zz.db8.2001'],
    ['::1', '128.1.zz'],
    ['2001:db8:0:1:0:0:0:1', '128.1.zz.1.0.db8.2001'],
    ['1:2:3:4:5:6:7:8', '128.8.7.6.5.4.3.2.1'],
  ])('%s <-> %s', (prefix, labels) => {
    const p = parsePrefix(prefix);
    expect(p).not.toBeNull();
    if (!p) return;
    expect(encodeRpzIp(p)).toBe(labels);
    expect(decodeRpzIp(labels)).toBe(prefix.replace('2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'));
  });
});

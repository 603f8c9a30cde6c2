import { describe, expect, it } from 'vitest';
import { parseListText } from './import.js';

const domains = (text: string) => parseListText(text, 'domains');

describe('domains importer', () => {
  it.each([
    ['example.com', { kind: 'exact', value: 'example.com' }],
    ['Example.COM.', { kind: 'exact', value: 'example.com' }],
    ['example.net # trailing comment', { kind: 'exact', value: 'example.net' }],
    ['*.example.org', { kind: 'subdomains', value: 'example.org' }],
    ['1.2.3.4', { kind: 'cidr', value: '1.2.3.4' }],
    ['10.0.0.0/8', { kind: 'cidr', value: '10.0.0.0/8' }],
    ['2001:DB8::1', { kind: 'cidr', value: '2001:db8::1' }],
    ['2001:db8::/32', { kind: 'cidr', value: '2001:db8::/32' }],
    ['пример.рф', { kind: 'exact', value: 'xn--e1afmkfd.xn--p1ai' }],
  ])('%s', (line, rule) => {
    expect(domains(line).rules).toEqual([rule]);
  });

  it.each([
    ['10.0.0.1/8', 'invalid address or prefix'],
    ['1.2.3', 'invalid address or prefix'],
    ['0.0.0.0 example.com', 'one name per line'],
    ['||example.com^', 'invalid character'],
    ['a..b', 'empty label'],
    [`${'a'.repeat(64)}.example`, 'label longer than 63'],
  ])('reports %s', (line, message) => {
    const s = domains(line);
    expect(s.errors[0]?.message).toContain(message);
  });

  it('merges name and *.name into one subtree rule', () => {
    const s = domains('example.com\n*.example.com\n');
    expect(s.rules).toEqual([{ kind: 'subtree', value: 'example.com' }]);
    expect(s.skipped['merged: name and *.name make one subtree rule']).toBe(1);
  });

  it('strips a byte-order mark and CRLF endings', () => {
    expect(domains('\uFEFFa.example\r\nb.example\r\n').rules.map((r) => r.value)).toEqual([
      'a.example',
      'b.example',
    ]);
  });
});

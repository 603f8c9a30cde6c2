import { describe, expect, it } from 'vitest';
import { parseListText } from './import.js';

const hosts = (text: string) => parseListText(text, 'hosts');

describe('hosts importer', () => {
  it.each([
    ['0.0.0.0 ads.example.com', [{ kind: 'exact', value: 'ads.example.com' }]],
    ['127.0.0.1\tads.example.com', [{ kind: 'exact', value: 'ads.example.com' }]],
    ['0.0.0.0  Ads.Example.COM.  # inline comment', [{ kind: 'exact', value: 'ads.example.com' }]],
    ['0.0.0.0 tdreg.top#####', [{ kind: 'exact', value: 'tdreg.top' }]],
    [
      '::1 a.example b.example',
      [
        { kind: 'exact', value: 'a.example' },
        { kind: 'exact', value: 'b.example' },
      ],
    ],
    ['0.0.0.0 bücher.example', [{ kind: 'exact', value: 'xn--bcher-kva.example' }]],
  ])('%s', (line, rules) => {
    expect(hosts(line).rules).toEqual(rules);
  });

  it.each([
    '127.0.0.1 localhost',
    '127.0.0.1 localhost.localdomain',
    '::1 localhost ip6-localhost',
    'fe80::1%lo0 localhost',
    '0.0.0.0 0.0.0.0',
    '255.255.255.255 broadcasthost',
    'ff02::1 ip6-allnodes',
  ])('skips the local entry %s', (line) => {
    const s = hosts(line);
    expect(s.rules).toEqual([]);
    expect(s.errors).toEqual([]);
    expect(s.skipped['local host entry (localhost, broadcasthost, ip6-*, 0.0.0.0)']).toBeGreaterThan(0);
  });

  it('skips a non-sink address with a warning (no forged answers)', () => {
    const s = hosts('192.0.2.7 redirect.example');
    expect(s.rules).toEqual([]);
    expect(s.warnings['non-sink address: forged answers are out of scope']?.count).toBe(1);
  });

  it.each([
    ['0.0.0.0', 'has no name'],
    ['999.1.1.1 x.example', 'invalid address'],
    ['this is not a hosts line at all', 'invalid address'],
    ['ads.example.com', 'expected "address name"'],
    ['0.0.0.0 bad_name!.example', 'invalid character'],
    ['0.0.0.0 -lead.example', 'invalid character'],
  ])('reports the bad line %s', (line, message) => {
    const s = hosts(line);
    expect(s.errors).toHaveLength(1);
    expect(s.errors[0].message).toContain(message);
    expect(s.errors[0]).toMatchObject({ line: 1, text: line });
  });

  it('counts every entry once, comments and duplicates included', () => {
    const s = hosts('# title\n\n0.0.0.0 a.example b.example\n0.0.0.0 a.example\n127.0.0.1 localhost\nbad\n');
    expect(s.lines).toBe(6);
    expect(s.entries).toBe(7);
    expect(s.accepted).toBe(2);
    expect(s.duplicates).toBe(1);
    expect(s.skipped).toMatchObject({ comment: 1, blank: 1 });
    const skipped = Object.values(s.skipped).reduce((a, b) => a + b, 0);
    expect(s.accepted + s.duplicates + skipped + s.errors.length).toBe(s.entries);
  });
});

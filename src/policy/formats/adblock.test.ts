import { describe, expect, it } from 'vitest';
import { parseListText } from './import.js';

const adblock = (text: string) => parseListText(text, 'adblock');

describe('adblock importer: mapped rules', () => {
  it.each([
    ['||example.org^', { kind: 'subtree', value: 'example.org' }],
    ['||Example.org^|', { kind: 'subtree', value: 'example.org' }],
    ['@@||example.org^', { kind: 'subtree', value: 'example.org', allow: true }],
    ['@@||example.org^|', { kind: 'subtree', value: 'example.org', allow: true }],
    ['|example.org^', { kind: 'exact', value: 'example.org' }],
    ['@@|example.org^|', { kind: 'exact', value: 'example.org', allow: true }],
    ['||example.org^$important', { kind: 'subtree', value: 'example.org', important: true }],
    ['||*.example.org^', { kind: 'subdomains', value: 'example.org' }],
    ['.example.org^', { kind: 'subdomains', value: 'example.org' }],
    ['://example.org^', { kind: 'exact', value: 'example.org' }],
    ['://*.example.org^', { kind: 'subdomains', value: 'example.org' }],
    ['||1.2.3.4^', { kind: 'cidr', value: '1.2.3.4' }],
    ['|167.206.10.148^', { kind: 'cidr', value: '167.206.10.148' }],
    ['||example.org^$all', { kind: 'subtree', value: 'example.org' }],
    ['example.org', { kind: 'exact', value: 'example.org' }],
    ['198.51.100.1', { kind: 'cidr', value: '198.51.100.1' }],
    ['0.0.0.0 example.org', { kind: 'exact', value: 'example.org' }],
    ['example.net # a comment', { kind: 'exact', value: 'example.net' }],
    ['||evil.example/malware.exe^', { kind: 'url', value: 'evil.example/malware.exe' }],
    ['|http://evil.example/path', { kind: 'url', value: 'evil.example/path' }],
  ])('%s', (line, rule) => {
    const s = adblock(line);
    expect(s.errors).toEqual([]);
    expect(s.rules).toEqual([rule]);
  });
});

describe('adblock importer: unsupported rules are skipped with a counted warning', () => {
  it.each([
    ['/^ads?\\./', 'unsupported: regex'],
    ['@@/banner/', 'unsupported: regex'],
    ['||example.org^$client=127.0.0.1', 'unsupported modifier: $client'],
    ['||example.org^$dnstype=AAAA', 'unsupported modifier: $dnstype'],
    ['||example.org^$dnsrewrite=1.2.3.4', 'unsupported modifier: $dnsrewrite'],
    ['*$denyallow=com', 'unsupported modifier: $denyallow'],
    ['||example.org^$ctag=device_pc', 'unsupported modifier: $ctag'],
    ['||example.org^$third-party', 'unsupported modifier: $third-party'],
    ['||example.org^$~third-party', 'unsupported modifier: $third-party'],
    ['||example.org^$made-up', 'unsupported modifier: other'],
    ['||ads*.example.org^', 'unsupported: wildcard inside a name'],
    ['||adservice.google.co.*', 'unsupported: pattern without ^ (matches longer names too)'],
    ['||example.org', 'unsupported: pattern without ^ (matches longer names too)'],
    ['||23.109.87.', 'unsupported: pattern without ^ (matches longer names too)'],
    ['example.org^', 'unsupported: unanchored pattern'],
    ['-ad123-', 'unsupported: unanchored pattern'],
    ['*ad.example.net^', 'unsupported: wildcard inside a name'],
    ['example.com##.banner', 'unsupported: cosmetic rule (page content)'],
  ])('%s', (line, reason) => {
    const s = adblock(line);
    expect(s.rules).toEqual([]);
    expect(s.errors).toEqual([]);
    expect(s.skipped[reason]).toBe(1);
    expect(s.warnings[reason]?.examples[0]).toEqual({ line: 1, text: line });
  });
});

describe('adblock importer: the rest', () => {
  it.each([
    ['! comment', 'comment'],
    ['# comment', 'comment'],
    ['[Adblock Plus 2.0]', 'header'],
    ['   ', 'blank'],
  ])('%s', (line, reason) => {
    expect(adblock(line).skipped[reason]).toBe(1);
  });

  it('removes the rule a $badfilter names, wherever it is', () => {
    const s = adblock(
      '||a.example^$badfilter\n||a.example^\n||b.example^\n@@||c.example^\n@@||c.example^$badfilter\n',
    );
    expect(s.rules).toEqual([{ kind: 'subtree', value: 'b.example' }]);
    expect(s.skipped['disabled by $badfilter']).toBe(2);
    expect(s.skipped['$badfilter rule']).toBe(2);
  });

  it('warns about a $badfilter that disables nothing', () => {
    expect(
      adblock('||x.example^$badfilter').warnings['$badfilter disabled no rule in this list']?.count,
    ).toBe(1);
  });

  it('reports bad names as line errors', () => {
    const s = adblock('||bad_name!.example^');
    expect(s.errors[0]?.message).toContain('invalid character');
  });

  it('warns that ||host/path is narrowed to the host', () => {
    const s = adblock('||evil.example/a.exe^$all');
    expect(Object.keys(s.warnings)[0]).toMatch(/^approximated/);
  });
});

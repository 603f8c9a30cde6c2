/**
 * Import → export → import gives the same rules, as a sorted canonical set (formatTarget),
 * on what each export format can express. Unbound and nftables have no importer, so their
 * output is read back with the small readers below.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Rule } from '../model.js';
import { formatTarget } from '../target.js';
import { exportRules } from './export.js';
import type { ExportFormat } from './export-options.js';
import { importList, parseListText } from './import.js';
import type { ListFormat } from './summary.js';

const DATA = process.env.GATEHOUSE_SHARED_DATA ?? join(import.meta.dirname, '../../../../shared/data');

const canonical = (rules: Iterable<Rule>) => [...new Set([...rules].map(formatTarget))].sort();

/** What each format keeps of a rule (null: not expressible). */
const KEEP: Record<ExportFormat, (r: Rule) => Rule | null> = {
  rpz: (r) =>
    r.kind === 'url'
      ? null
      : { kind: r.kind, value: r.value, ...(r.allow ? { allow: true } : { answer: r.answer ?? 'nxdomain' }) },
  hosts: (r) => (r.kind === 'exact' && !r.allow ? { kind: 'exact', value: r.value } : null),
  unbound: (r) =>
    r.kind === 'subtree' && r.answer !== 'nodata'
      ? { kind: 'subtree', value: r.value, ...(r.allow ? { allow: true } : {}) }
      : null,
  nftables: (r) => (r.kind === 'cidr' && !r.allow ? { kind: 'cidr', value: r.value } : null),
};

function readBack(format: ExportFormat, text: string): Rule[] {
  if (format === 'rpz') return parseListText(text, 'rpz').rules;
  if (format === 'hosts') return parseListText(text, 'hosts').rules;
  if (format === 'unbound') {
    return [...text.matchAll(/local-zone: "(.+)\." (always_nxdomain|always_transparent)/g)].map((m) => ({
      kind: 'subtree',
      value: m[1],
      ...(m[2] === 'always_transparent' ? { allow: true } : {}),
    }));
  }
  const elements = [...text.matchAll(/^ {6}(.+)$/gm)].flatMap((m) => m[1].split(/,\s*/).filter(Boolean));
  return elements.map((value) => ({ kind: 'cidr', value }));
}

const LISTS: [string, ListFormat][] = [
  ['stevenblack-hosts-2020/hosts', 'hosts'],
  ['stevenblack-domains-2026/domains.txt', 'domains'],
  ['adguard-dns-filter/filter.txt', 'adblock'],
  ['urlhaus-filter/urlhaus-filter-domains.txt', 'domains'],
  ['urlhaus-filter/urlhaus-filter-rpz.conf', 'rpz'],
  ['citizenlab/global.csv', 'citizenlab'],
];

describe.skipIf(!existsSync(DATA))('round trip on the real lists', () => {
  for (const [file, listFormat] of LISTS) {
    it.each(['rpz', 'hosts', 'unbound', 'nftables'] as ExportFormat[])(`${file} via %s`, async (format) => {
      const imported = await importList(join(DATA, file), listFormat, { errorBudget: 100 });
      const exported = exportRules(format, imported.rules, { now: 0, serial: 1 });
      const expected = canonical(imported.rules.map(KEEP[format]).filter((r): r is Rule => r !== null));
      const back = canonical(readBack(format, exported.text));
      const conflicts = Object.entries(exported.omitted)
        .filter(([reason]) => reason.includes('conflict'))
        .reduce((a, [, n]) => a + n, 0);
      if (conflicts === 0) expect(back).toEqual(expected);
      else {
        const want = new Set(expected);
        expect(back.every((t) => want.has(t))).toBe(true);
        expect(expected.length - back.length).toBeLessThanOrEqual(conflicts);
      }
      expect(exported.written + exported.lossy).toBe(imported.rules.length);
    });
  }
});

describe('exporters on small inputs', () => {
  const rules: Rule[] = [
    { kind: 'exact', value: 'a.example' },
    { kind: 'subtree', value: 'b.example', answer: 'nodata' },
    { kind: 'subdomains', value: 'c.example' },
    { kind: 'subtree', value: 'ok.b.example', allow: true },
    { kind: 'cidr', value: '192.0.2.0/24' },
    { kind: 'cidr', value: '192.0.2.7' },
    { kind: 'cidr', value: '2001:db8::/32', important: true },
    { kind: 'url', value: 'd.example/x' },
  ];

  it('rpz: a loadable zone with SOA, NS, $TTL, serial and every expressible kind', () => {
    const { text, written, lossy, degraded } = exportRules('rpz', rules, { now: 0, serial: 7, ttl: 60 });
    expect(text).toContain('$TTL 60');
    expect(text).toContain('@ IN SOA localhost. hostmaster.localhost. 7 3600 600 604800 60');
    expect(text).toContain('@ IN NS localhost.');
    for (const line of [
      'a.example CNAME .',
      'b.example CNAME *.',
      '*.b.example CNAME *.',
      '*.c.example CNAME .',
      'ok.b.example CNAME rpz-passthru.',
      '*.ok.b.example CNAME rpz-passthru.',
      '24.0.2.0.192.rpz-ip CNAME .',
      '32.7.2.0.192.rpz-ip CNAME .',
      '32.zz.db8.2001.rpz-ip CNAME .',
    ]) {
      expect(text).toContain(`\n${line}\n`);
    }
    expect([written, lossy, degraded]).toEqual([7, 1, { '$important dropped': 1 }]);
  });

  it.each<[ExportFormat, number, string[]]>([
    ['hosts', 1, ['0.0.0.0 a.example']],
    ['unbound', 1, ['server:', '  local-zone: "ok.b.example." always_transparent']],
    ['nftables', 3, ['table inet gatehouse {', '      192.0.2.0/24', '      2001:db8::/32']],
  ])('%s writes %d rules', (format, written, lines) => {
    const out = exportRules(format, rules, { now: 0 });
    expect(out.written).toBe(written);
    expect(out.written + out.lossy).toBe(rules.length);
    for (const line of lines) expect(out.text.split('\n')).toContain(line);
  });

  it('nftables leaves out a prefix inside a wider one', () => {
    expect(exportRules('nftables', rules, { now: 0 }).text).not.toContain('192.0.2.7');
  });

  it('unbound writes response-ip lines when asked', () => {
    expect(exportRules('unbound', rules, { now: 0, respip: true }).text).toContain(
      '  response-ip: 192.0.2.0/24 always_nxdomain',
    );
  });
});

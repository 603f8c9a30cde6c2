/**
 * The importers on the real third-party lists in ../shared/data (read in place, never copied).
 * Skipped when the data folder is absent.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importList } from './import.js';
import type { ImportSummary, ListFormat } from './summary.js';

/** Where shared/data lives (beside the repository). */
const DATA = process.env.GATEHOUSE_SHARED_DATA ?? join(import.meta.dirname, '../../../../shared/data');
const HAVE_DATA = existsSync(DATA);

/** accepted + duplicates + Σ skipped + errors = entries, and entries = lines unless hosts lines hold several names. */
function expectBalanced(s: ImportSummary): void {
  const skipped = Object.values(s.skipped).reduce((a, b) => a + b, 0);
  expect(s.accepted + s.duplicates + skipped + s.errors.length).toBe(s.entries);
  expect(s.accepted).toBe(s.rules.length);
  if (s.format !== 'hosts' && s.format !== 'adblock') expect(s.entries).toBe(s.lines);
}

const hostsDialects = HAVE_DATA
  ? readdirSync(join(DATA, 'stevenblack-hosts-2020/data')).map(
      (d) => `stevenblack-hosts-2020/data/${d}/hosts`,
    )
  : [];

describe.skipIf(!HAVE_DATA)('real lists', () => {
  it.each(['stevenblack-hosts-2020/hosts', ...hostsDialects])('hosts %s', async (file) => {
    const s = await importList(join(DATA, file), 'hosts');
    expectBalanced(s);
    expect(s.errors).toEqual([]);
    expect(s.rules.every((r) => r.kind === 'exact' && r.value !== 'localhost')).toBe(true);
    expect(s.accepted).toBeGreaterThan(0);
  });

  it('the unified hosts file has its 57,535 domains and skips its 14 header entries', async () => {
    const s = await importList(join(DATA, 'stevenblack-hosts-2020/hosts'), 'hosts');
    expect(s.accepted).toBe(57_535);
    expect(s.skipped['local host entry (localhost, broadcasthost, ip6-*, 0.0.0.0)']).toBe(14);
  });

  it.each<[string, ListFormat, number]>([
    ['stevenblack-domains-2026/domains.txt', 'domains', 83_808],
    ['urlhaus-filter/urlhaus-filter-domains.txt', 'domains', 25_768],
    ['urlhaus-filter/urlhaus-filter-online.txt', 'adblock', 0],
    ['urlhaus-filter/urlhaus-filter-hosts.txt', 'hosts', 2_689],
    ['urlhaus-filter/urlhaus-filter-agh.txt', 'adblock', 25_768],
    ['urlhaus-filter/urlhaus-filter.txt', 'adblock', 31_822],
    ['urlhaus-filter/urlhaus-filter-rpz.conf', 'rpz', 2_689],
    ['urlhaus-filter/urlhaus-filter-rpz-online.conf', 'rpz', 619],
    ['adguard-dns-filter/filter.txt', 'adblock', 0],
    ['citizenlab/global.csv', 'citizenlab', 0],
  ])('%s as %s', async (file, format, accepted) => {
    const s = await importList(join(DATA, file), format);
    expectBalanced(s);
    if (accepted > 0) expect(s.accepted).toBe(accepted);
    else expect(s.accepted).toBeGreaterThan(0);
    expect(s.errors.length).toBeLessThanOrEqual(format === 'citizenlab' ? 0 : 5);
  });

  it('the AdGuard DNS filter: exceptions, $important, $badfilter and unsupported syntax are all accounted for', async () => {
    const s = await importList(join(DATA, 'adguard-dns-filter/filter.txt'), 'adblock');
    expect(s.rules.filter((r) => r.allow).length).toBeGreaterThan(100);
    expect(s.rules.filter((r) => r.important).length).toBeGreaterThan(0);
    expect(s.skipped['$badfilter rule']).toBeGreaterThan(0);
    expect(s.warnings['unsupported: regex']?.count).toBeGreaterThan(0);
    expect(s.warnings['unsupported: wildcard inside a name']?.count).toBeGreaterThan(0);
    expect(s.accepted).toBeGreaterThan(70_000);
  });

  it('urlhaus-filter.txt: host/path entries become url rules, IPv4 literals cidr rules', async () => {
    const s = await importList(join(DATA, 'urlhaus-filter/urlhaus-filter.txt'), 'adblock');
    expect(s.rules.filter((r) => r.kind === 'url')).toHaveLength(6_051);
    expect(s.rules.filter((r) => r.kind === 'cidr').length).toBeGreaterThan(20_000);
  });

  it('citizenlab: every row becomes a rule or a duplicate, and categories add up', async () => {
    const s = await importList(join(DATA, 'citizenlab/global.csv'), 'citizenlab');
    const counted = Object.values(s.categories ?? {}).reduce((a, b) => a + b, 0);
    expect(counted).toBe(s.lines - 1);
    expect(Object.keys(s.categories ?? {})).toHaveLength(31);
    expect(s.rules.filter((r) => r.kind === 'url').length).toBeGreaterThan(50);
  });
});

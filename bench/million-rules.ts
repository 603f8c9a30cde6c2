/**
 * The benchmark policy: one million domain rules, built deterministically from the real
 * lists in ../shared/data (through the real importers) topped up with seeded names.
 */
import { join } from 'node:path';
import { importList, type ListFormat } from '../src/policy/formats/index.js';
import type { Rule } from '../src/policy/model.js';
import { seededNames } from './seeded-names.js';

/** Where shared/ lives relative to the repository (CI lays it beside the clone). */
export const SHARED_DATA = process.env.GATEHOUSE_SHARED_DATA ?? join(process.cwd(), '..', 'shared', 'data');

const SOURCES: readonly [string, ListFormat][] = [
  ['stevenblack-domains-2026/domains.txt', 'domains'],
  ['stevenblack-hosts-2020/hosts', 'hosts'],
  ['adguard-dns-filter/filter.txt', 'adblock'],
  ['urlhaus-filter/urlhaus-filter-agh.txt', 'adblock'],
];

/** The rule set and where its rules came from. */
export interface MillionRules {
  readonly rules: Rule[];
  readonly fromLists: number;
  readonly generated: number;
  readonly summary: string;
}

/** Builds `total` domain rules: every real list first, then seeded names for the rest. */
export async function millionRules(total = 1_000_000): Promise<MillionRules> {
  const seen = new Set<string>();
  const rules: Rule[] = [];
  const parts: string[] = [];
  for (const [file, format] of SOURCES) {
    const result = await importList(join(SHARED_DATA, file), format, {
      errorBudget: Number.MAX_SAFE_INTEGER,
    });
    let added = 0;
    for (const r of result.rules) {
      if (r.kind === 'cidr' || r.kind === 'url' || r.allow || seen.has(r.value)) continue;
      seen.add(r.value);
      rules.push(r);
      added++;
    }
    parts.push(`${file} (${format}): ${added}`);
  }
  const fromLists = rules.length;
  for (const name of seededNames(total * 2)) {
    if (rules.length >= total) break;
    if (seen.has(name)) continue;
    seen.add(name);
    rules.push({ kind: 'subtree', value: name });
  }
  const generated = rules.length - fromLists;
  parts.push(`seeded generator (seed 20261128): ${generated}`);
  return { rules, fromLists, generated, summary: parts.join('\n  ') };
}

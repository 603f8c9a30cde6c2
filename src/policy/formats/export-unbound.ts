/**
 * Unbound export: `local-zone:` lines for an `include:` inside `server:`.
 * A local zone covers its name and every name below it, so only subtree rules map exactly:
 * blocks become `always_nxdomain`, exceptions `always_transparent` (the most specific zone wins).
 * Exact and subdomains-only rules cannot be said without blocking more, NODATA subtrees have no
 * local-zone type, and URL rules have no DNS form: all omitted. With `respip`, cidr rules become
 * `response-ip:` lines (Unbound's respip module must be in `module-config`).
 */
import type { Rule } from '../model.js';
import { type ExportOptions, type ExportTally, exportHeader } from './export-options.js';

function quote(name: string): string {
  return `"${name}."`;
}

function line(r: Rule, t: ExportTally, opts: ExportOptions): string | null {
  if (r.kind === 'cidr') {
    if (!opts.respip) t.omit('unbound: cidr rules need the respip option');
    else if (r.answer === 'nodata') t.omit('unbound: response-ip has no nodata action');
    else return `  response-ip: ${r.value} ${r.allow ? 'always_transparent' : 'always_nxdomain'}`;
    return null;
  }
  if (r.kind !== 'subtree') {
    t.omit(`unbound: no ${r.kind} local zones (a local zone always covers the subtree)`);
    return null;
  }
  if (r.allow) return `  local-zone: ${quote(r.value)} always_transparent`;
  if (r.answer === 'nodata') {
    t.omit('unbound: no local-zone type answers nodata for a subtree');
    return null;
  }
  return `  local-zone: ${quote(r.value)} always_nxdomain`;
}

/** Lines of an Unbound configuration fragment for `rules`. */
export function* unboundLines(rules: Iterable<Rule>, t: ExportTally, opts: ExportOptions): Generator<string> {
  yield* exportHeader('#', 'unbound', opts);
  yield 'server:';
  const seen = new Set<string>();
  for (const r of rules) {
    const text = line(r, t, opts);
    if (text === null) continue;
    const zone = text.slice(0, text.lastIndexOf(' '));
    if (seen.has(zone)) {
      t.omit('unbound: owner conflict (one zone, one type)');
      continue;
    }
    seen.add(zone);
    if (r.important) t.degrade('$important dropped');
    t.written++;
    yield text;
  }
}

/**
 * RPZ export: a zone file Unbound loads as an `rpz:` zonefile (and BIND as a response-policy zone).
 * Owners are relative to the zone's origin: `x` exact, `*.x` subdomains, both for a subtree,
 * `N.…rpz-ip` for a prefix. Targets: `.` NXDOMAIN, `*.` NODATA, `rpz-passthru.` for exceptions.
 * URL rules have no RPZ trigger and are omitted; `$important` has no RPZ form and is dropped.
 */
import { parsePrefix } from '../../core/net/address.js';
import type { Rule } from '../model.js';
import { type ExportOptions, type ExportTally, exportHeader } from './export-options.js';
import { encodeRpzIp } from './rpz-ip.js';

const DEFAULT_TTL = 300;

function target(r: Rule): string {
  if (r.allow) return 'rpz-passthru.';
  return r.answer === 'nodata' ? '*.' : '.';
}

function owners(r: Rule): string[] | null {
  switch (r.kind) {
    case 'exact':
      return [r.value];
    case 'subdomains':
      return [`*.${r.value}`];
    case 'subtree':
      return [r.value, `*.${r.value}`];
    case 'cidr': {
      const p = parsePrefix(r.value);
      return p ? [`${encodeRpzIp(p)}.rpz-ip`] : null;
    }
    default:
      return null;
  }
}

/** The zone's opening: `$TTL`, optional `$ORIGIN`, SOA and NS at the apex. */
function apex(opts: ExportOptions): string[] {
  const serial = opts.serial ?? Math.floor((opts.now ?? Date.now()) / 1000);
  const ttl = opts.ttl ?? DEFAULT_TTL;
  const origin = opts.origin ? [`$ORIGIN ${opts.origin.replace(/\.?$/, '.')}`] : [];
  return [
    `$TTL ${ttl}`,
    ...origin,
    `@ IN SOA localhost. hostmaster.localhost. ${serial >>> 0} 3600 600 604800 ${ttl}`,
    '@ IN NS localhost.',
  ];
}

/**
 * Lines of an RPZ zone for `rules`. A CNAME owner holds one action: when two rules want the
 * same owner with different actions, the more specific (exact, subdomains, address) is kept and
 * the subtree rule is omitted whole (reason "owner conflict").
 */
export function* rpzLines(rules: Iterable<Rule>, t: ExportTally, opts: ExportOptions): Generator<string> {
  yield* exportHeader(';', 'rpz', opts);
  yield* apex(opts);
  const taken = new Map<string, string>();
  const subtrees: Rule[] = [];
  function* emit(r: Rule, names: string[]): Generator<string> {
    const action = target(r);
    if (names.some((n) => (taken.get(n) ?? action) !== action)) {
      t.omit('rpz: owner conflict (another rule gives this name a different action)');
      return;
    }
    if (r.important) t.degrade('$important dropped');
    t.written++;
    for (const n of names) {
      if (taken.has(n)) continue;
      taken.set(n, action);
      yield `${n} CNAME ${action}`;
    }
  }
  for (const r of rules) {
    const names = owners(r);
    if (names === null) t.omit(`rpz: no ${r.kind} triggers`);
    else if (r.kind === 'subtree') subtrees.push(r);
    else yield* emit(r, names);
  }
  for (const r of subtrees) yield* emit(r, owners(r) as string[]);
}

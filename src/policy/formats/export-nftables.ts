/**
 * nftables export: a `table inet NAME` with interval sets `blocked_v4` and `blocked_v6` holding
 * the cidr block rules, for `nft -f` (check with `nft -c -f`). Packet filtering knows addresses
 * only: exceptions, names and URLs are omitted. A prefix inside a wider one is left out (nft refuses
 * overlapping intervals); it is still blocked, so it is not counted as lost.
 */
import { type Prefix, parsePrefix } from '../../core/net/address.js';
import type { Rule } from '../model.js';
import { type ExportOptions, type ExportTally, exportHeader } from './export-options.js';

const PER_LINE = 8;

function toBig(p: Prefix): { start: bigint; end: bigint } {
  let v = 0n;
  for (const w of p.words) v = (v << 32n) | BigInt(w >>> 0);
  const bits = BigInt((p.family === 4 ? 32 : 128) - p.length);
  return { start: v, end: v + (1n << bits) - 1n };
}

/** Drops prefixes covered by another; returns the rest in address order, as text. */
function disjoint(prefixes: { p: Prefix; text: string }[]): string[] {
  const ranged = prefixes.map((x) => ({ ...x, ...toBig(x.p) }));
  ranged.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.p.length - b.p.length));
  const out: string[] = [];
  let lastEnd = -1n;
  for (const r of ranged) {
    if (r.start <= lastEnd) continue;
    out.push(r.text);
    lastEnd = r.end;
  }
  return out;
}

function* set(name: string, type: string, elements: string[]): Generator<string> {
  yield `  set ${name} {`;
  yield `    type ${type}`;
  yield '    flags interval';
  if (elements.length > 0) {
    yield '    elements = {';
    for (let i = 0; i < elements.length; i += PER_LINE) {
      const last = i + PER_LINE >= elements.length;
      yield `      ${elements.slice(i, i + PER_LINE).join(', ')}${last ? '' : ','}`;
    }
    yield '    }';
  }
  yield '  }';
}

/** Lines of an nftables file for `rules`. */
export function* nftablesLines(
  rules: Iterable<Rule>,
  t: ExportTally,
  opts: ExportOptions,
): Generator<string> {
  const v4: { p: Prefix; text: string }[] = [];
  const v6: { p: Prefix; text: string }[] = [];
  for (const r of rules) {
    const p = r.kind === 'cidr' ? parsePrefix(r.value) : null;
    if (r.allow) t.omit('nftables: no exceptions');
    else if (p === null) t.omit(`nftables: no ${r.kind} rules (addresses only)`);
    else {
      if (r.important) t.degrade('$important dropped');
      if (r.answer) t.degrade('dns answer dropped');
      t.written++;
      (p.family === 4 ? v4 : v6).push({ p, text: r.value });
    }
  }
  yield* exportHeader('#', 'nftables', opts);
  yield `table inet ${opts.table ?? 'gatehouse'} {`;
  yield* set('blocked_v4', 'ipv4_addr', disjoint(v4));
  yield* set('blocked_v6', 'ipv6_addr', disjoint(v6));
  yield '}';
}

/**
 * Maps the pattern of an adblock DNS rule (no `@@`, no `$modifiers`) to a Gatehouse target,
 * following how AdGuard's urlfilter matches a DNS request: the URL `http://NAME` for patterns that
 * start with `||`, `|http`, `://`; the bare host name for every other pattern.
 * Only patterns whose meaning maps exactly are accepted; the rest are reported as unsupported.
 */
import { formatPrefix, parseAddress } from '../../core/net/address.js';
import { explainBadName } from '../../core/net/name.js';
import type { Rule } from '../model.js';
import { normaliseListName } from './name-fast-path.js';

/** The outcome of mapping one pattern. */
export type PatternResult =
  | { readonly ok: true; readonly kind: Rule['kind']; readonly value: string; readonly warning?: string }
  | { readonly ok: false; readonly unsupported: string }
  | { readonly ok: false; readonly error: string };

type Anchor = 'domain' | 'start' | 'scheme' | 'dot' | 'none';

/** Warning attached to every `||host/path` rule (see docs/formats.md). */
export const URL_APPROXIMATED = 'approximated: ||host/path became a url rule (host exact, path prefix)';

const NUMERIC_DOTTED = /^[\d.]+$/;

function splitAnchor(p: string): { anchor: Anchor; rest: string } {
  if (p.startsWith('||')) return { anchor: 'domain', rest: p.slice(2) };
  const scheme = /^\|?(?:https?)?:\/\//i.exec(p);
  if (scheme) return { anchor: 'scheme', rest: p.slice(scheme[0].length) };
  if (p.startsWith('|')) return { anchor: 'start', rest: p.slice(1) };
  if (p.startsWith('.')) return { anchor: 'dot', rest: p.slice(1) };
  return { anchor: 'none', rest: p };
}

/** Removes the end separator (`^`, `|`, `^|`); `closed` says whether there was one. */
function splitEnd(rest: string): { body: string; closed: boolean } {
  let body = rest;
  let closed = false;
  if (body.endsWith('|')) {
    body = body.slice(0, -1);
    closed = true;
  }
  if (body.endsWith('^')) {
    body = body.slice(0, -1);
    closed = true;
  }
  return { body, closed };
}

function unsupported(reason: string): PatternResult {
  return { ok: false, unsupported: `unsupported: ${reason}` };
}

function mapUrl(anchor: Anchor, body: string): PatternResult {
  if (anchor !== 'domain' && anchor !== 'scheme') return unsupported('url pattern without a host anchor');
  const slash = body.indexOf('/');
  const host = body.slice(0, slash);
  const path = body.slice(slash);
  if (host.includes('*') || path.includes('*')) return unsupported('wildcard in a url pattern');
  if (/[\^|]/.test(path)) return unsupported('separator inside a url path');
  const name = normaliseListName(host);
  if (name === null) return { ok: false, error: `${explainBadName(host)}: "${host}"` };
  // `||` also matches subdomains of the host; Gatehouse's url rule is host-exact (narrower, disclosed).
  return {
    ok: true,
    kind: 'url',
    value: `${name}${path}`,
    warning: anchor === 'domain' ? URL_APPROXIMATED : undefined,
  };
}

function mapAddress(anchor: Anchor, body: string): PatternResult | null {
  if (!NUMERIC_DOTTED.test(body) && !body.includes(':')) return null;
  const addr = parseAddress(body);
  if (addr && anchor !== 'dot') return { ok: true, kind: 'cidr', value: formatPrefix(addr) };
  return unsupported('partial address');
}

/** Maps one pattern; `closed` patterns end in `^` or `|`, as every exact DNS rule must. */
export function mapPattern(pattern: string): PatternResult {
  const { anchor, rest } = splitAnchor(pattern);
  const { body, closed } = splitEnd(rest);
  if (body.length === 0) return unsupported('empty pattern (matches everything)');
  if (body.includes('/')) return mapUrl(anchor, body);
  if (anchor === 'none')
    return unsupported(body.includes('*') ? 'wildcard inside a name' : 'unanchored pattern');
  if (!closed) return unsupported('pattern without ^ (matches longer names too)');
  let kind: Rule['kind'] = anchor === 'domain' ? 'subtree' : anchor === 'dot' ? 'subdomains' : 'exact';
  let name = body;
  if (name.startsWith('*.') && anchor !== 'dot') {
    kind = 'subdomains';
    name = name.slice(2);
  }
  if (name.includes('*')) return unsupported('wildcard inside a name');
  if (kind !== 'subdomains') {
    const address = mapAddress(anchor, name);
    if (address) return address;
  }
  const value = normaliseListName(name);
  if (value === null) return { ok: false, error: `${explainBadName(name)}: "${name}"` };
  return { ok: true, kind, value };
}

/**
 * Domain lists: one entry a line, `#` starts a comment (also after an entry).
 * A plain name is exact, as in AdGuard Home, Blocky, Pi-hole and RPZ (Technitium differs: it
 * blocks the subtree); `*.name` is subdomains only; an IPv4/IPv6 address or CIDR is a `cidr` rule.
 */
import { formatPrefix, parsePrefix } from '../../core/net/address.js';
import { explainBadName } from '../../core/net/name.js';
import type { Rule } from '../model.js';
import type { ListCollector } from './collector.js';
import { stripHashComment } from './hosts.js';
import { normaliseListName } from './name-fast-path.js';
import type { LineParser } from './parser.js';

const ADDRESSISH = /^[0-9a-fA-F:.[\]/]+$/;
const NUMERIC_DOTTED = /^[\d.]+(\/\d+)?$/;

/** Maps one trimmed domain-list entry to a rule, or returns what is wrong with it. */
export function parseDomainEntry(entry: string): Rule | string {
  if (/\s/.test(entry)) return 'expected one name per line';
  if (ADDRESSISH.test(entry) && (entry.includes(':') || NUMERIC_DOTTED.test(entry))) {
    const prefix = parsePrefix(entry);
    if (prefix) return { kind: 'cidr', value: formatPrefix(prefix) };
    return `invalid address or prefix "${entry}"`;
  }
  let kind: Rule['kind'] = 'exact';
  let body = entry;
  if (body.startsWith('*.')) {
    kind = 'subdomains';
    body = body.slice(2);
  }
  const name = normaliseListName(body);
  if (name === null) return `${explainBadName(body)}: "${body}"`;
  return { kind, value: name };
}

/** A parser for domain lists. */
export function createDomainsParser(): LineParser {
  return {
    line(text: string, c: ListCollector) {
      const body = stripHashComment(text).trim();
      if (body.length === 0) {
        c.skip(text.trim().length === 0 ? 'blank' : 'comment');
        return;
      }
      const rule = parseDomainEntry(body);
      if (typeof rule === 'string') c.error(rule);
      else c.rule(rule);
    },
  };
}

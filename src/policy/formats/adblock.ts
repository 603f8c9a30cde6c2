/**
 * Adblock-style DNS filtering rules, as AdGuard Home reads them (AdGuard DNS filtering rule syntax):
 * `||x^` subtree, `|x^` exact, `@@` exception, `$important`, `$badfilter`; `!` and `#` comments;
 * bare names and hosts-style lines as AdGuard Home's host rules. Anything Gatehouse cannot map
 * exactly (regex, wildcards inside names, modifiers such as `$client` or `$dnsrewrite`) is skipped
 * with a counted warning, never guessed.
 */

import type { Rule } from '../model.js';
import { mapPattern } from './adblock-pattern.js';
import type { ListCollector } from './collector.js';
import { parseDomainEntry } from './domains.js';
import { collectHostsFields } from './hosts.js';
import { normaliseListName } from './name-fast-path.js';
import type { LineParser } from './parser.js';

/** Modifiers AdGuard knows that Gatehouse does not apply; each has its own warning reason. */
const KNOWN_UNSUPPORTED: ReadonlySet<string> = new Set([
  'client',
  'ctag',
  'denyallow',
  'dnsrewrite',
  'dnstype',
  'third-party',
  '3p',
  'first-party',
  '1p',
  'document',
  'doc',
  'domain',
  'popup',
  'script',
  'image',
  'stealth',
  'match-case',
  'redirect',
  'removeparam',
  'csp',
  'app',
  'network',
  'urlblock',
]);

/** Lines that hide page elements or inject scripts: meaningless to a gateway. */
const COSMETIC = /##|#@#|#\?#|#\$#|#%#|\$\$|\$@\$/;
const WHITESPACE = /[ \t]+/;
const PLAIN_ENTRY = /^[^|^*/$@]+$/;

interface Modifiers {
  important: boolean;
  badfilter: boolean;
}

/** Parses `$a,b,c`; returns the flags, or the warning reason of the first unsupported modifier. */
function parseModifiers(text: string): Modifiers | string {
  const mods: Modifiers = { important: false, badfilter: false };
  for (const raw of text.split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === 'important') mods.important = true;
    else if (name === 'badfilter') mods.badfilter = true;
    // `$all` widens a browser rule to every request type; a gateway already sees them all.
    else if (name === 'all') continue;
    else {
      const bare = name.replace(/^~/, '').split('=')[0];
      return `unsupported modifier: ${KNOWN_UNSUPPORTED.has(bare) ? `$${bare}` : 'other'}`;
    }
  }
  return mods;
}

interface PendingBadfilter {
  readonly rule: Rule;
  readonly line: number;
  readonly text: string;
}

/** A hosts-style or domain-only line (one with whitespace or a `#` comment after an entry). */
function collectHostRule(body: string, c: ListCollector): void {
  const fields = body.split(WHITESPACE);
  if (fields.length > 1) {
    collectHostsFields(fields, c);
    return;
  }
  const rule = parseDomainEntry(fields[0]);
  if (typeof rule === 'string') c.error(rule);
  else c.rule(rule);
}

/** A network rule: `[@@]pattern[$modifiers]`. */
function collectNetworkRule(line: string, c: ListCollector, badfilters: PendingBadfilter[]): void {
  const allow = line.startsWith('@@');
  const rule = allow ? line.slice(2) : line;
  const dollar = rule.indexOf('$');
  const pattern = dollar < 0 ? rule : rule.slice(0, dollar);
  const mods = dollar < 0 ? { important: false, badfilter: false } : parseModifiers(rule.slice(dollar + 1));
  if (typeof mods === 'string') {
    c.unsupported(mods);
    return;
  }
  const mapped = mapPattern(pattern);
  if (!mapped.ok) {
    if ('error' in mapped) c.error(mapped.error);
    else
      c.unsupported(
        mods.badfilter ? `$badfilter of a rule that is ${mapped.unsupported}` : mapped.unsupported,
      );
    return;
  }
  const out: Rule = {
    kind: mapped.kind,
    value: mapped.value,
    ...(allow ? { allow } : {}),
    ...(mods.important ? { important: true } : {}),
  };
  if (mods.badfilter) {
    badfilters.push({ rule: out, line: c.lineNo, text: c.text });
    c.skip('$badfilter rule');
    return;
  }
  if (mapped.warning) c.warn(mapped.warning);
  c.rule(out);
}

/** A parser for adblock DNS filter lists. */
export function createAdblockParser(): LineParser {
  const badfilters: PendingBadfilter[] = [];
  return {
    line(text, c) {
      const line = text.trim();
      if (line.length === 0) c.skip('blank');
      else if (line.startsWith('!') || line.startsWith('#')) c.skip('comment');
      else if (line.startsWith('[') && line.endsWith(']')) c.skip('header');
      else if (COSMETIC.test(line)) c.unsupported('unsupported: cosmetic rule (page content)');
      else if (line.startsWith('/') || line.startsWith('@@/')) c.unsupported('unsupported: regex');
      else if (WHITESPACE.test(line) || line.includes(' #'))
        collectHostRule(line.replace(/#.*$/, '').trim(), c);
      else if (PLAIN_ENTRY.test(line) && (normaliseListName(line) !== null || /^[\d.:]+$/.test(line))) {
        // AdGuard Home reads a bare name as a host rule: that name only.
        collectHostRule(line, c);
      } else collectNetworkRule(line, c, badfilters);
    },
    finish(c) {
      for (const b of badfilters) {
        c.lineNo = b.line;
        c.text = b.text;
        if (!c.remove(b.rule, 'disabled by $badfilter')) c.warn('$badfilter disabled no rule in this list');
      }
    },
  };
}

/**
 * The canonical one-line syntax of a rule, used on the command line (`--target`), in stored
 * list versions and in exports of the policy:
 *
 *   example.com        the name and all its subdomains
 *   =example.com       the name only
 *   *.example.com      subdomains only
 *   192.0.2.1          one address; 10.0.0.0/8, 2001:db8::/32 a prefix
 *   http://host/path   a URL: host plus path prefix (plaintext HTTP only)
 *   class:international every destination outside the domestic prefixes (class-target.ts);
 *                      class:domestic every destination inside them
 *   @@RULE             an exception (allow) inside the order's targets
 *   RULE$important     beats non-important exceptions; RULE$nodata / RULE$nxdomain pick the DNS answer
 */
import { GatehouseError } from '../core/errors.js';
import { formatPrefix, parsePrefix } from '../core/net/address.js';
import { explainBadName, normaliseName } from '../core/net/name.js';
import { parseClassName } from './class-target.js';
import type { Rule } from './model.js';

/** Parses one target line; returns the rule or a message saying what was wrong. */
export function parseTarget(text: string): Rule | string {
  let body = text.trim();
  let allow = false;
  let important = false;
  let answer: Rule['answer'];
  if (body.startsWith('@@')) {
    allow = true;
    body = body.slice(2);
  }
  const dollar = body.lastIndexOf('$');
  if (dollar > 0 && !body.includes('://')) {
    for (const mod of body.slice(dollar + 1).split(',')) {
      if (mod === 'important') important = true;
      else if (mod === 'nodata' || mod === 'nxdomain') answer = mod;
      else return `unknown modifier "$${mod}"`;
    }
    body = body.slice(0, dollar);
  }
  const flags = {
    ...(allow ? { allow } : {}),
    ...(important ? { important } : {}),
    ...(answer ? { answer } : {}),
  };
  if (/^https?:\/\//i.test(body)) return parseUrlTarget(body, flags);
  if (/^class:/i.test(body)) {
    // A class is judged on the dialled address, never at DNS: an RPZ answer has no meaning.
    if (answer) return `$${answer} has no meaning on a destination class (classes are never judged at DNS)`;
    const cls = parseClassName(body.slice(6));
    return 'error' in cls ? cls.error : { kind: 'class', value: cls.value, ...flags };
  }
  if (/^[0-9a-fA-F:.[\]/]+$/.test(body) && (body.includes(':') || /^[\d./]+$/.test(body))) {
    const prefix = parsePrefix(body);
    if (prefix) return { kind: 'cidr', value: formatPrefix(prefix), ...flags };
    if (body.includes(':') || body.includes('/')) return `invalid address or prefix "${body}"`;
  }
  let kind: Rule['kind'] = 'subtree';
  if (body.startsWith('=')) {
    kind = 'exact';
    body = body.slice(1);
  } else if (body.startsWith('*.')) {
    kind = 'subdomains';
    body = body.slice(2);
  }
  const name = normaliseName(body);
  if (name === null) return `${explainBadName(body)}: "${body}"`;
  return { kind, value: name, ...flags };
}

function parseUrlTarget(text: string, flags: Partial<Rule>): Rule | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `invalid URL "${text}"`;
  }
  const host = normaliseName(url.hostname);
  if (host === null) return `invalid host in URL "${text}"`;
  const path = url.pathname + url.search;
  return { kind: 'url', value: `${host}${path === '' ? '/' : path}`, ...flags };
}

/** Parses a target or throws GH_ERR_TARGET_INVALID (for command-line and API input). */
export function parseTargetOrThrow(text: string): Rule {
  const rule = parseTarget(text);
  if (typeof rule === 'string')
    throw new GatehouseError('GH_ERR_TARGET_INVALID', `parsing target "${text}": ${rule}`);
  return rule;
}

/** Formats a rule in the canonical syntax; `parseTarget(formatTarget(r))` deep-equals `r`. */
export function formatTarget(rule: Rule): string {
  let body: string;
  switch (rule.kind) {
    case 'exact':
      body = `=${rule.value}`;
      break;
    case 'subdomains':
      body = `*.${rule.value}`;
      break;
    case 'url':
      body = `http://${rule.value}`;
      break;
    case 'class':
      body = `class:${rule.value}`;
      break;
    default:
      body = rule.value;
  }
  const mods = [rule.important ? 'important' : '', rule.answer ?? ''].filter((m) => m !== '');
  return `${rule.allow ? '@@' : ''}${body}${mods.length > 0 && rule.kind !== 'url' ? `$${mods.join(',')}` : ''}`;
}

/**
 * RPZ zone files (draft-vixie-dnsop-dns-rpz) in master-file syntax (RFC 1035 §5.1).
 * An owner name relative to the origin is the trigger: `x` exact, `*.x` subdomains,
 * `…rpz-ip` a response address prefix. The CNAME target is the action: `.` NXDOMAIN, `*.` NODATA,
 * `rpz-passthru.` exception, `rpz-drop.` imported as a disclosed block (with a warning).
 * Local data (A, AAAA, TXT, CNAME to a name) would be a forged answer and is skipped with a warning.
 */
import { explainBadName } from '../../core/net/name.js';
import type { Rule } from '../model.js';
import type { ListCollector } from './collector.js';
import { normaliseListName } from './name-fast-path.js';
import type { LineParser } from './parser.js';
import { decodeRpzIp } from './rpz-ip.js';

const CLASSES: ReadonlySet<string> = new Set(['IN', 'CH', 'HS', 'CS', 'ANY']);
const TTL = /^\d+[smhdw]?(?:\d+[smhdw])*$/i;

/** Warning reasons that tests and docs refer to. */
export const RPZ_FORGED = 'forged answers are out of scope (rpz local data)';
export const RPZ_DROP = 'rpz-drop imported as a disclosed block (gatehouse never drops silently)';
export const RPZ_CLIENT_IP = 'unsupported: rpz-client-ip trigger (client scoping is the order scope)';

const CONTINUED = 'multi-line record (continued below)';

type Trigger = { kind: Rule['kind']; value: string } | { unsupported: string } | { error: string };

/** Tokenises one line: drops `;` comments outside quotes, treats parentheses as whitespace. */
function tokenise(line: string): { tokens: string[]; depth: number } {
  const tokens: string[] = [];
  let depth = 0;
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      cur += ch;
      if (ch === '\\' && i + 1 < line.length) cur += line[++i];
      else if (ch === '"') quoted = false;
    } else if (ch === ';') break;
    else if (ch === '"') {
      cur += ch;
      quoted = true;
    } else if (ch === ' ' || ch === '\t' || ch === '(' || ch === ')') {
      if (ch === '(') depth++;
      if (ch === ')') depth--;
      if (cur) tokens.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) tokens.push(cur);
  return { tokens, depth };
}

function classifyTrigger(trigger: string): Trigger {
  const dot = trigger.lastIndexOf('.');
  const suffix = dot < 0 ? trigger : trigger.slice(dot + 1);
  if (suffix === 'rpz-ip') {
    const prefix = decodeRpzIp(trigger.slice(0, Math.max(0, dot)));
    return typeof prefix === 'string' ? { kind: 'cidr', value: prefix } : prefix;
  }
  if (suffix === 'rpz-client-ip') return { unsupported: RPZ_CLIENT_IP };
  if (suffix === 'rpz-nsdname' || suffix === 'rpz-nsip')
    return { unsupported: `unsupported: ${suffix} trigger` };
  if (trigger === '*') return { unsupported: 'unsupported: wildcard for every name' };
  const kind: Rule['kind'] = trigger.startsWith('*.') ? 'subdomains' : 'exact';
  const body = kind === 'subdomains' ? trigger.slice(2) : trigger;
  if (body.includes('*')) return { error: `wildcard only allowed as the first label: "${trigger}"` };
  const name = normaliseListName(body);
  return name === null ? { error: `${explainBadName(body)}: "${body}"` } : { kind, value: name };
}

/** Applies the action a CNAME target names to a trigger. */
function collectCname(trigger: string, target: string, c: ListCollector) {
  const t = target.toLowerCase();
  let flags: Partial<Rule>;
  if (t === '.') flags = { answer: 'nxdomain' };
  else if (t === '*.') flags = { answer: 'nodata' };
  else if (t === 'rpz-passthru.' || t === `${trigger}.`) flags = { allow: true };
  else if (t === 'rpz-drop.') flags = {};
  else if (t === 'rpz-tcp-only.') return c.unsupported('unsupported: rpz-tcp-only');
  else return c.unsupported(RPZ_FORGED);
  const trig = classifyTrigger(trigger);
  if ('unsupported' in trig) return c.unsupported(trig.unsupported);
  if ('error' in trig) return c.error(trig.error);
  if (t === 'rpz-drop.') c.warn(RPZ_DROP);
  else if (t === `${trigger}.`)
    c.warn('legacy passthru (CNAME to the trigger itself) imported as an exception');
  c.rule({ kind: trig.kind, value: trig.value, ...flags });
}

/** A parser for RPZ zone files; `origin` is used when the file has no `$ORIGIN`. */
export function createRpzParser(origin?: string): LineParser {
  let zone = origin ? origin.toLowerCase().replace(/\.$/, '') : '';
  let lastOwner = '@';
  let pending: { tokens: string[]; ownerGiven: boolean } | null = null;
  let depth = 0;

  /** The trigger (origin-relative, lowercase) or '@' for the apex, or an error. */
  const resolveOwner = (owner: string, type: string): string | { error: string } => {
    const o = owner.toLowerCase();
    if (o === '@') return '@';
    if (!o.endsWith('.')) return o;
    if (zone === '' && type === 'SOA') zone = o.slice(0, -1);
    if (zone === '')
      return { error: `absolute owner "${owner}" but the zone origin is unknown (set $ORIGIN)` };
    if (o === `${zone}.`) return '@';
    if (o.endsWith(`.${zone}.`)) return o.slice(0, -zone.length - 2);
    return { error: `owner "${owner}" is outside the zone "${zone}"` };
  };

  const directive = (tokens: string[], c: ListCollector): void => {
    const name = tokens[0].toUpperCase();
    if (name === '$TTL') c.skip('directive');
    else if (name === '$ORIGIN' && tokens[1]) {
      const o = tokens[1].toLowerCase();
      zone = o.endsWith('.') ? o.slice(0, -1) : zone ? `${o}.${zone}` : o;
      c.skip('directive');
    } else if (name === '$INCLUDE' || name === '$GENERATE') c.unsupported(`unsupported: ${name} directive`);
    else c.error(`unknown directive "${tokens[0]}"`);
  };

  const record = (tokens: string[], ownerGiven: boolean, c: ListCollector) => {
    let i = 0;
    const owner = ownerGiven ? tokens[i++] : lastOwner;
    lastOwner = owner;
    while (i < tokens.length - 1 && (TTL.test(tokens[i]) || CLASSES.has(tokens[i].toUpperCase()))) i++;
    const type = (tokens[i++] ?? '').toUpperCase();
    const rdata = tokens.slice(i);
    if (type === '' || rdata.length === 0) return c.error('expected "owner [ttl] [class] type rdata"');
    const trigger = resolveOwner(owner, type);
    if (typeof trigger !== 'string') return c.error(trigger.error);
    if (trigger === '@') {
      if (type === 'SOA' || type === 'NS') return c.skip('zone apex (SOA, NS)');
      return c.unsupported('unsupported: record at the zone apex');
    }
    if (type === 'CNAME') return collectCname(trigger, rdata[0], c);
    if (type === 'SOA' || type === 'NS') return c.unsupported(`unsupported: ${type} below the zone apex`);
    c.unsupported(RPZ_FORGED);
  };

  return {
    line(text, c) {
      const { tokens, depth: delta } = tokenise(text);
      if (pending) {
        pending.tokens.push(...tokens);
        depth += delta;
        if (depth > 0) return c.skip(CONTINUED);
        const p = pending;
        pending = null;
        depth = 0;
        return record(p.tokens, p.ownerGiven, c);
      }
      const ownerGiven = text.length > 0 && text[0] !== ' ' && text[0] !== '\t';
      if (delta > 0) {
        pending = { tokens, ownerGiven };
        depth = delta;
        return c.skip(CONTINUED);
      }
      if (tokens.length === 0) return c.skip(text.trim().length === 0 ? 'blank' : 'comment');
      if (tokens[0].startsWith('$') && ownerGiven) return directive(tokens, c);
      record(tokens, ownerGiven, c);
    },
    finish(c) {
      if (pending) c.error('unclosed parenthesis at end of file');
    },
  };
}

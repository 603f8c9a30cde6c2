/**
 * Validating what a person submits as an order (API body, CLI flags), pure: no store, no clock, no
 * I/O (callers pass `now`). Every problem is reported at once, each with its path; a problem of one
 * kind only gets a code of its own (see `validateOrderInput`). The state machine is lifecycle.ts.
 */
import type { Disclosure, DnsAnswer, InfoCode } from '../core/decision.js';
import { type ErrorCode, GatehouseError } from '../core/errors.js';
import { classActionProblem, isUnknownClassLine } from './class-target.js';
import type { Authority, LegalBasis, Order, OrderAction, Scope } from './model.js';
import { formatSubscriberTarget, parseSubscriberTarget } from './subscriber-target.js';
import { formatTarget, parseTarget } from './target.js';

/**
 * A validated, normalised order as submitted: every field of an Order except its identity and state,
 * plus its own targets in canonical syntax (`formatTarget(parseTarget(line))`), without duplicates.
 */
export type OrderInput = Omit<
  Order,
  'id' | 'status' | 'createdBy' | 'createdAt' | 'approvedBy' | 'approvedAt'
> & {
  readonly targets: readonly string[];
};

/** Limits and clock for `validateOrderInput`. */
export interface ValidateOrderOptions {
  readonly maxDurationMs: number;
  readonly now: number;
  /**
   * True when `proxy.domesticPrefixes` is configured. Without it no address is known to be
   * domestic or international, so a class target could never match: it is refused
   * (GH_ERR_TARGET_CLASS_UNCONFIGURED) rather than accepted as an order that silently does nothing.
   */
  readonly destinationClasses?: boolean;
}

type Obj = Record<string, unknown>;
type Problems = string[];
/** Problems that have an error code of their own when they are the only kind reported. */
type Coded = [ErrorCode, string][];

const KNOWN = new Set(['title', 'authority', 'legalBasis', 'decisionRef', 'scope', 'action', 'disclosure']);
for (const key of ['notBefore', 'expiresAt', 'public', 'targets']) KNOWN.add(key);
const AUTHORITY_KINDS = ['court', 'independent-body', 'regulator', 'operator'] as const;
const DNS_ANSWERS = ['nxdomain', 'nodata', 'refused', 'notice'] as const;
const INFO_CODES = [15, 16, 17] as const;
// RFC 6068 mailto, RFC 3966 tel (global or local number, visual separators), RFC 3261 §19.1 sips.
const APPEAL_URI = [
  /^mailto:[^@\s/?#]+@[a-z0-9.-]+\.[a-z]{2,}(?:\?\S*)?$/i,
  /^tel:\+?[0-9][0-9().-]*(?:;\S*)?$/,
  /^sips:(?:[^@\s]+@)?[a-z0-9.-]+(?::\d{1,5})?(?:[;?]\S*)?$/i,
];

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const iso = (ms: number): string => new Date(ms).toISOString();

function text(o: Obj, key: string, path: string, p: Problems, why = ''): string {
  const v = o[key];
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  p.push(
    v === undefined || v === ''
      ? `${path}: required${why}`
      : `${path}: must be a non-empty string, got ${show(v)}`,
  );
  return '';
}

/** The object at `key`, or null (reported once, so its fields are not reported again). */
function object(o: Obj, key: string, p: Problems, why = ''): Obj | null {
  const v = o[key];
  if (isObj(v)) return v;
  p.push(v === undefined ? `${key}: required${why}` : `${key}: must be an object, got ${show(v)}`);
  return null;
}

function oneOf<T extends string | number>(v: unknown, allowed: readonly T[], path: string, p: Problems): T {
  if (allowed.includes(v as T)) return v as T;
  p.push(`${path}: must be one of ${allowed.join(', ')}, got ${show(v)}`);
  return allowed[0];
}

function names(v: unknown, path: string, p: Problems): string[] {
  if (!Array.isArray(v) || v.length === 0) {
    p.push(`${path}: must be a non-empty array of names, got ${show(v)}`);
    return [];
  }
  v.forEach((n, i) => {
    if (typeof n !== 'string' || n.trim() === '')
      p.push(`${path}[${i}]: must be a non-empty string, got ${show(n)}`);
  });
  return [...new Set(v.filter((n): n is string => typeof n === 'string').map((n) => n.trim()))];
}

function scopeOf(o: Obj, p: Problems): Scope {
  const s = object(o, 'scope', p);
  if (s?.kind === 'isps') return { kind: 'isps', isps: names(s.isps, 'scope.isps', p) };
  if (s?.kind === 'groups') return { kind: 'groups', groups: names(s.groups, 'scope.groups', p) };
  if (s !== null) oneOf(s.kind, ['national', 'isps', 'groups'], 'scope.kind', p);
  return { kind: 'national' };
}

function actionOf(o: Obj, p: Problems): OrderAction {
  const a = object(o, 'action', p);
  if (a === null) return { kind: 'block' };
  if (a.kind === 'throttle') {
    const bps = a.bytesPerSecond;
    if (typeof bps === 'number' && Number.isSafeInteger(bps) && bps > 0)
      return { kind: 'throttle', bytesPerSecond: bps };
    p.push(`action.bytesPerSecond: must be a positive integer, got ${show(bps)}`);
    return { kind: 'throttle', bytesPerSecond: 1 };
  }
  return {
    kind: oneOf(
      a.kind,
      ['block', 'throttle', 'safe-search', 'allow', 'disconnect'] as const,
      'action.kind',
      p,
    ),
  } as OrderAction;
}

function appealOf(v: unknown, p: Problems): string[] {
  if (!Array.isArray(v) || v.length === 0) {
    p.push(`disclosure.appeal: must be a non-empty array of mailto:, tel: or sips: URIs, got ${show(v)}`);
    return [];
  }
  v.forEach((uri, i) => {
    if (typeof uri !== 'string' || !APPEAL_URI.some((re) => re.test(uri.trim()))) {
      p.push(`disclosure.appeal[${i}]: must be a mailto:, tel: or sips: URI, got ${show(uri)}`);
    }
  });
  return v.filter((uri): uri is string => typeof uri === 'string').map((uri) => uri.trim());
}

function disclosureOf(o: Obj, authority: Authority, p: Problems): Disclosure {
  const d = object(o, 'disclosure', p);
  // RFC 8914: 16 Censored for a state's order, 15 Blocked for the operator's own security policy.
  const fallback: InfoCode = authority.kind === 'operator' ? 15 : 16;
  if (d === null) return { infoCode: fallback, notice: '', appeal: [], dnsAnswer: 'nxdomain' };
  const infoCode =
    d.infoCode === undefined ? fallback : oneOf(d.infoCode, INFO_CODES, 'disclosure.infoCode', p);
  const notice = text(d, 'notice', 'disclosure.notice', p);
  const appeal = appealOf(d.appeal, p);
  const dnsAnswer: DnsAnswer =
    d.dnsAnswer === undefined ? 'nxdomain' : oneOf(d.dnsAnswer, DNS_ANSWERS, 'disclosure.dnsAnswer', p);
  return { infoCode, notice, appeal, dnsAnswer };
}

function time(v: unknown, path: string, p: Problems): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  const ms = typeof v === 'string' && /^\d{4}-\d\d-\d\d/.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isFinite(ms)) return ms;
  p.push(`${path}: must be milliseconds since the epoch or an ISO 8601 time, got ${show(v)}`);
  return undefined;
}

/** Returns the expiry problem that is only "too far" separately, so it can get its own error code. */
function periodOf(o: Obj, opts: ValidateOrderOptions, p: Problems): [number, number, string | null] {
  const notBefore = o.notBefore === undefined ? opts.now : time(o.notBefore, 'notBefore', p);
  if (o.expiresAt === undefined) p.push('expiresAt: required (an order without an expiry is refused)');
  const expiresAt = o.expiresAt === undefined ? undefined : time(o.expiresAt, 'expiresAt', p);
  if (notBefore === undefined || expiresAt === undefined) return [notBefore ?? 0, expiresAt ?? 0, null];
  if (expiresAt <= notBefore)
    p.push(`expiresAt: must be after notBefore (${iso(notBefore)}), got ${iso(expiresAt)}`);
  else if (expiresAt > notBefore + opts.maxDurationMs) {
    const days = Math.round((opts.maxDurationMs / 86_400_000) * 100) / 100;
    return [
      notBefore,
      expiresAt,
      `expiresAt: ${iso(expiresAt)} is more than ${days} days after ${iso(notBefore)}`,
    ];
  }
  return [notBefore, expiresAt, null];
}

/** A disconnect order's targets: one or more `subscriber:ISP/ID`, nothing else. */
function subscriberTargetsOf(v: unknown, p: Problems): string[] {
  if (!Array.isArray(v) || v.length === 0) {
    p.push(`targets: a disconnect order names one or more subscriber:ISP/ID, got ${show(v)}`);
    return [];
  }
  const lines = new Set<string>();
  v.forEach((line, i) => {
    const t = typeof line === 'string' ? parseSubscriberTarget(line) : `must be a string, got ${show(line)}`;
    if (typeof t === 'string') p.push(`targets[${i}]: ${t}`);
    else lines.add(formatSubscriberTarget(t));
  });
  return [...lines];
}

interface TargetContext {
  readonly action: OrderAction['kind'];
  readonly classes: boolean;
}

function targetsOf(v: unknown, t: TargetContext, p: Problems, coded: Coded): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    p.push(`targets: must be an array of target lines, got ${show(v)}`);
    return [];
  }
  const lines = new Set<string>();
  v.forEach((line, i) => {
    const rule = typeof line === 'string' ? parseTarget(line) : `must be a string, got ${show(line)}`;
    const at = `targets[${i}]`;
    if (typeof rule !== 'string' && rule.kind === 'class') {
      const wrongAction = classActionProblem(t.action);
      if (wrongAction !== null) coded.push(['GH_ERR_TARGET_CLASS_ACTION', `${at}: ${wrongAction}`]);
      else if (!t.classes)
        coded.push([
          'GH_ERR_TARGET_CLASS_UNCONFIGURED',
          `${at}: "${line}" can never match: proxy.domesticPrefixes is empty, so no destination has a class`,
        ]);
      else lines.add(formatTarget(rule));
    } else if (typeof rule !== 'string') lines.add(formatTarget(rule));
    else if (typeof line === 'string' && isUnknownClassLine(line))
      coded.push(['GH_ERR_TARGET_CLASS_UNKNOWN', `${at}: ${rule}`]);
    else p.push(`${at}: ${rule}`);
  });
  return [...lines];
}

/** The error code for `p` and `coded`: a specific one when every problem shares it. */
function codeOf(p: Problems, coded: Coded): ErrorCode {
  if (p.length > 0 || coded.length === 0) return 'GH_ERR_ORDER_INVALID';
  const first = coded[0][0];
  return coded.every(([code]) => code === first) ? first : 'GH_ERR_ORDER_INVALID';
}

/**
 * Validates and normalises an order as submitted (API body, CLI flags). Reports every problem at once:
 * GH_ERR_ORDER_INVALID with one detail per problem, or a code of its own when every problem is of
 * one kind: GH_ERR_ORDER_EXPIRY_TOO_FAR (the expiry beyond the maximum duration), or for
 * destination-class targets GH_ERR_TARGET_CLASS_UNKNOWN, _ACTION or _UNCONFIGURED.
 */
export function validateOrderInput(input: unknown, opts: ValidateOrderOptions): OrderInput {
  const p: Problems = [];
  const o = isObj(input) ? input : {};
  if (!isObj(input)) p.push(`order: must be an object, got ${show(input)}`);
  for (const key of Object.keys(o)) if (!KNOWN.has(key)) p.push(`${key}: unknown field`);
  const title = text(o, 'title', 'title', p);
  const a = object(o, 'authority', p);
  const authority: Authority = a
    ? {
        name: text(a, 'name', 'authority.name', p),
        kind: oneOf(a.kind, AUTHORITY_KINDS, 'authority.kind', p),
      }
    : { name: '', kind: 'court' };
  const refused = ' (an order without a legal basis is refused)';
  const l = object(o, 'legalBasis', p, refused);
  const legalBasis: LegalBasis = l
    ? {
        instrument: text(l, 'instrument', 'legalBasis.instrument', p, refused),
        article: text(l, 'article', 'legalBasis.article', p, refused),
      }
    : { instrument: '', article: '' };
  const decisionRef = text(o, 'decisionRef', 'decisionRef', p);
  const scope = scopeOf(o, p);
  const action = actionOf(o, p);
  const disclosure = disclosureOf(o, authority, p);
  const [notBefore, expiresAt, tooFar] = periodOf(o, opts, p);
  if (o.public !== undefined && typeof o.public !== 'boolean')
    p.push(`public: must be true or false, got ${show(o.public)}`);
  const coded: Coded = [];
  const targets =
    action.kind === 'disconnect'
      ? subscriberTargetsOf(o.targets, p)
      : targetsOf(o.targets, { action: action.kind, classes: opts.destinationClasses === true }, p, coded);
  if (tooFar !== null) coded.push(['GH_ERR_ORDER_EXPIRY_TOO_FAR', tooFar]);
  if (p.length > 0 || coded.length > 0) {
    const code = codeOf(p, coded);
    const all = [...p, ...coded.map(([, message]) => message)];
    throw new GatehouseError(code, `validating order ${show(title || null)}: ${all.join('; ')}`, all);
  }
  const isPublic = o.public !== false;
  return {
    title,
    authority,
    legalBasis,
    decisionRef,
    scope,
    action,
    disclosure,
    notBefore,
    expiresAt,
    public: isPublic,
    targets,
  };
}

/**
 * The order lifecycle, pure: validating what a person submits, and the state machine
 *
 *   draft → pending-approval → active → suspended | expired | revoked   (suspended → active again)
 *
 * No store, no clock, no I/O: callers pass `now` and the actor. A transition returns the fields it
 * changes; the store writes them only if the order is still in `from` (compare-and-set), so two
 * racing approvals cannot both win.
 *
 * Over the 300-line target because validation and the state machine share this one file for now;
 * validation moves to `policy/order-input.ts` when that file is in someone's remit.
 */
import type { Disclosure, DnsAnswer, InfoCode } from '../core/decision.js';
import { type ErrorCode, GatehouseError } from '../core/errors.js';
import type { Authority, LegalBasis, Order, OrderAction, OrderStatus, Scope } from './model.js';
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
}

type Obj = Record<string, unknown>;
type Problems = string[];

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

function targetsOf(v: unknown, p: Problems): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    p.push(`targets: must be an array of target lines, got ${show(v)}`);
    return [];
  }
  const lines = new Set<string>();
  v.forEach((line, i) => {
    const rule = typeof line === 'string' ? parseTarget(line) : `must be a string, got ${show(line)}`;
    if (typeof rule === 'string') p.push(`targets[${i}]: ${rule}`);
    else lines.add(formatTarget(rule));
  });
  return [...lines];
}

/**
 * Validates and normalises an order as submitted (API body, CLI flags). Reports every problem at once:
 * GH_ERR_ORDER_INVALID with one detail per problem, or GH_ERR_ORDER_EXPIRY_TOO_FAR when the expiry
 * beyond the maximum duration is the only problem.
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
  const targets = action.kind === 'disconnect' ? subscriberTargetsOf(o.targets, p) : targetsOf(o.targets, p);
  if (tooFar !== null) p.push(tooFar);
  if (p.length > 0) {
    const code: ErrorCode =
      p.length === 1 && tooFar !== null ? 'GH_ERR_ORDER_EXPIRY_TOO_FAR' : 'GH_ERR_ORDER_INVALID';
    throw new GatehouseError(code, `validating order ${show(title || null)}: ${p.join('; ')}`, p);
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

/** The acts that move an order between states. */
export type Transition = 'submit' | 'approve' | 'activate' | 'suspend' | 'revoke' | 'expire';

/** What a transition changes; the store writes it only while the order is still `from` (compare-and-set). */
export interface OrderChange {
  readonly orderId: number;
  readonly transition: Transition;
  readonly from: OrderStatus;
  readonly to: OrderStatus;
  /** The normalised name of the user (or `system`) who acted. */
  readonly actor: string;
  readonly at: number;
  /** Set by `approve` only: who and when the second person approved. */
  readonly approvedBy?: string;
  readonly approvedAt?: number;
}

/** The part of an order the state machine looks at. */
export type OrderState = Pick<Order, 'id' | 'status' | 'createdBy' | 'expiresAt'>;

const LIVE: readonly OrderStatus[] = ['draft', 'pending-approval', 'active', 'suspended'];
const MOVES: Record<Transition, { readonly from: readonly OrderStatus[]; readonly to: OrderStatus }> = {
  submit: { from: ['draft'], to: 'pending-approval' },
  approve: { from: ['pending-approval'], to: 'active' },
  activate: { from: ['suspended'], to: 'active' },
  suspend: { from: ['active'], to: 'suspended' },
  revoke: { from: LIVE, to: 'revoked' },
  expire: { from: LIVE, to: 'expired' },
};

/** The actor that performs automatic transitions (expiry). */
export const SYSTEM_ACTOR = 'system';

/**
 * Normalises a user name (trim, NFKC, lowercase) so that `Alice` and `alice` are one person for the
 * two-person rule. Throws GH_ERR_USER_REQUIRED when empty, GH_ERR_USER_INVALID when malformed.
 */
export function normaliseUserName(name: string): string {
  const normal = String(name ?? '')
    .normalize('NFKC')
    .trim()
    .toLowerCase();
  if (normal === '')
    throw new GatehouseError('GH_ERR_USER_REQUIRED', 'acting on the store: a named user is required');
  if (normal.length > 64 || /[\p{Cc}\p{Cf}\s]/u.test(normal)) {
    throw new GatehouseError(
      'GH_ERR_USER_INVALID',
      `invalid user name ${show(name)}: at most 64 characters, no spaces`,
    );
  }
  return normal;
}

/**
 * Checks one transition of `order` by `actor` at `now`, and returns the change to apply.
 * Throws GH_ERR_ORDER_STATE (wrong state, past expiry), GH_ERR_ORDER_SELF_APPROVAL, GH_ERR_USER_*.
 */
export function transition(order: OrderState, name: Transition, actor: string, now: number): OrderChange {
  const who = normaliseUserName(actor);
  const move = MOVES[name];
  if (!move.from.includes(order.status)) {
    throw new GatehouseError('GH_ERR_ORDER_STATE', `order ${order.id} is ${order.status}; cannot ${name}`);
  }
  if (move.to === 'active') {
    // Two-person rule. `activate` (resuming a suspended order) exercises the order's power again, so it
    // too needs someone other than the creator; it need not be the original approver, nor differ from
    // whoever suspended it: suspending only ever reduces power, so it needs no second person.
    if (who === normaliseUserName(order.createdBy)) {
      throw new GatehouseError(
        'GH_ERR_ORDER_SELF_APPROVAL',
        `order ${order.id} was created by "${order.createdBy}"; a second, different user must ${name} it`,
      );
    }
    if (now >= order.expiresAt) {
      throw new GatehouseError(
        'GH_ERR_ORDER_STATE',
        `order ${order.id} expired at ${iso(order.expiresAt)}; cannot ${name}`,
      );
    }
  }
  if (name === 'expire' && now < order.expiresAt) {
    throw new GatehouseError(
      'GH_ERR_ORDER_STATE',
      `order ${order.id} runs until ${iso(order.expiresAt)}; cannot expire`,
    );
  }
  const change: OrderChange = {
    orderId: order.id,
    transition: name,
    from: order.status,
    to: move.to,
    actor: who,
    at: now,
  };
  return name === 'approve' ? { ...change, approvedBy: who, approvedAt: now } : change;
}

type Act = (order: OrderState, actor: string, now: number) => OrderChange;
/** draft → pending-approval, by anyone. */
export const submit: Act = (order, actor, now) => transition(order, 'submit', actor, now);
/** pending-approval → active, by a user other than the creator; records approvedBy and approvedAt. */
export const approve: Act = (order, actor, now) => transition(order, 'approve', actor, now);
/** suspended → active, by a user other than the creator. */
export const activate: Act = (order, actor, now) => transition(order, 'activate', actor, now);
/** active → suspended, by anyone. */
export const suspend: Act = (order, actor, now) => transition(order, 'suspend', actor, now);
/** Any non-final state → revoked, by anyone. */
export const revoke: Act = (order, actor, now) => transition(order, 'revoke', actor, now);
/** Any non-final state → expired, once `now ≥ expiresAt`; the actor is `system` unless given. */
export const expire = (order: OrderState, now: number, actor = SYSTEM_ACTOR): OrderChange =>
  transition(order, 'expire', actor, now);

/** The expiry changes due at `now` among `orders` (for the periodic sweep). */
export function dueForExpiry(orders: Iterable<OrderState>, now: number): OrderChange[] {
  const due: OrderChange[] = [];
  for (const order of orders)
    if (LIVE.includes(order.status) && now >= order.expiresAt) due.push(expire(order, now));
  return due;
}

/** The transitions `order`'s state allows (ignoring who acts and when), for consoles and help text. */
export function allowedTransitions(status: OrderStatus): Transition[] {
  return (Object.keys(MOVES) as Transition[]).filter((t) => MOVES[t].from.includes(status));
}

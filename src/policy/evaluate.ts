/**
 * evaluate(policy, facts) → Decision. Looks up, never throws on configuration (that was
 * validated at compile), allocates nothing when no order applies.
 *
 * Precedence (docs/policy.md), highest first:
 *   1. the order is in force at `time` (not-before ≤ time < expires-at) and its scope applies;
 *   2. an exception inside an order's own targets (`@@`, `rpz-passthru.`) cancels that order's
 *      matches (an important exception cancels important ones too), and no other order's;
 *   3. a narrower scope wins: subscriber group > ISP > national;
 *   4. at the same scope an allow order wins over any other action;
 *   5. then the most specific match: URL path prefix > domain (exact > longer suffix > shorter)
 *      > address (longest prefix) > destination class (the widest target there is);
 *   6. remaining ties go to the lowest order id, and the decision says so (`tieBroken`).
 */
import { type Decision, type DnsAnswer, NO_DECISION, type Reason } from '../core/decision.js';
import { type Prefix, parseAddress } from '../core/net/address.js';
import type { DestinationClass } from './class-target.js';
import type { CompiledOrder, CompiledPolicy } from './compile.js';
import {
  ALLOW_BIT,
  ANSWER_SHIFT,
  Candidates,
  IMPORTANT_BIT,
  KIND_SHIFT,
  ORDER_MASK,
} from './match/rule-meta.js';

/** What is known about one request. Any of domain, address and url may be given. */
export interface Facts {
  /** A host name in any case, with or without trailing dot. */
  readonly domain?: string;
  /** The destination (or answer) address, as text or parsed. */
  readonly address?: string | Prefix;
  /** A plaintext HTTP URL: its host and path are checked against URL rules, its host against domain rules. */
  readonly url?: string;
  /**
   * The class of the destination address (the proxy's classifier, from `proxy.domesticPrefixes`).
   * Only the proxy gives it, with the address it dials; without it class targets never match,
   * which is how DNS (that judges names, not destinations) ignores them.
   */
  readonly destinationClass?: DestinationClass;
  readonly isp?: string;
  readonly groups?: readonly string[];
  /** Milliseconds since the epoch; default now. */
  readonly time?: number;
}

// Weights that put the kinds of match on one specificity scale (step 5 above).
const URL_WEIGHT = 4096;
const DOMAIN_WEIGHT = 1024;
// Below every address prefix, /0 included (its specificity is its length, 0).
const CLASS_SPECIFICITY = -1;

// A candidate that is not in force or that an exception cancelled (no real meta has bit 31).
const CANCELLED = 0xffffffff;

const scratch = new Candidates();

function applies(
  order: CompiledOrder,
  time: number,
  isp: string | undefined,
  groups: readonly string[] | undefined,
) {
  if (time < order.notBefore || time >= order.expiresAt) return false;
  const set = order.scopeSet;
  if (set === null) return true;
  if (order.scopeRank === 1) return isp !== undefined && set.has(isp);
  if (groups) for (const g of groups) if (set.has(g)) return true;
  return false;
}

/** Evaluates `facts` against `policy`. */
export function evaluate(policy: CompiledPolicy, facts: Facts): Decision {
  const c = scratch;
  c.count = 0;
  let domain = facts.domain;
  if (facts.url !== undefined) {
    const parsed = splitUrl(facts.url);
    if (parsed) {
      domain ??= parsed.host;
      const before = c.count;
      policy.urls.collect(parsed.host, parsed.path, c);
      for (let i = before; i < c.count; i++) c.specificity[i] += URL_WEIGHT;
    }
  }
  if (domain !== undefined) {
    const before = c.count;
    policy.domains.collect(domain, c);
    for (let i = before; i < c.count; i++) c.specificity[i] += DOMAIN_WEIGHT;
  }
  if (facts.address !== undefined) {
    const addr = typeof facts.address === 'string' ? parseAddress(facts.address) : facts.address;
    if (addr) policy.prefixes.collect(addr, c);
  }
  if (facts.destinationClass !== undefined) collectClass(policy, facts.destinationClass, c);
  if (c.count === 0) return NO_DECISION;
  return decide(policy, c, facts.time ?? Date.now(), facts.isp, facts.groups);
}

function collectClass(policy: CompiledPolicy, cls: DestinationClass, c: Candidates): void {
  const rules = policy.classes[cls];
  if (rules === undefined) return;
  for (const r of rules) c.push(r.meta, r.ruleId, CLASS_SPECIFICITY);
}

/** What `evaluateWire` needs besides the name: the rest of `Facts` but a URL. */
export type WireFacts = Omit<Facts, 'domain' | 'url'>;

/**
 * Evaluates the uncompressed wire-format QNAME at `buf[offset]` (as `parseQuery` leaves it at
 * offset 12) with `facts`: the same decision as `evaluate` given the name's text, without
 * making the string (DomainTable.collectWire).
 */
export function evaluateWire(
  policy: CompiledPolicy,
  buf: Uint8Array,
  offset: number,
  facts: WireFacts,
): Decision {
  const c = scratch;
  c.count = 0;
  policy.domains.collectWire(buf, offset, c);
  for (let i = 0; i < c.count; i++) c.specificity[i] += DOMAIN_WEIGHT;
  if (facts.address !== undefined) {
    const addr = typeof facts.address === 'string' ? parseAddress(facts.address) : facts.address;
    if (addr) policy.prefixes.collect(addr, c);
  }
  if (facts.destinationClass !== undefined) collectClass(policy, facts.destinationClass, c);
  if (c.count === 0) return NO_DECISION;
  return decide(policy, c, facts.time ?? Date.now(), facts.isp, facts.groups);
}

function decide(
  policy: CompiledPolicy,
  c: Candidates,
  time: number,
  isp: string | undefined,
  groups: readonly string[] | undefined,
): Decision {
  const orders = policy.orders;
  // Steps 1 and 2: drop what is not in force, then what its own order's exceptions cancel.
  let exception = -1;
  for (let i = 0; i < c.count; i++) {
    if (c.meta[i] === CANCELLED) continue;
    const order = orders[c.meta[i] & ORDER_MASK];
    if (!applies(order, time, isp, groups)) c.meta[i] = CANCELLED;
    else if (c.meta[i] & ALLOW_BIT && order.action !== 'allow') {
      cancelOwnOrder(c, i);
      if (exception < 0) exception = i;
    }
  }
  let best = -1;
  let tie = false;
  for (let i = 0; i < c.count; i++) {
    const meta = c.meta[i];
    if (meta === CANCELLED) continue;
    const order = orders[meta & ORDER_MASK];
    if (meta & ALLOW_BIT && order.action !== 'allow') continue;
    if (best < 0) {
      best = i;
      continue;
    }
    const cmp = compare(orders, c, i, best);
    if (cmp > 0) {
      best = i;
      tie = false;
    } else if (cmp === 0) {
      const bestOrder = orders[c.meta[best] & ORDER_MASK];
      if (order.id !== bestOrder.id) tie = true;
      if (order.id < bestOrder.id) best = i;
    }
  }
  if (best < 0) return exception < 0 ? NO_DECISION : build(policy, c, exception, false);
  return build(policy, c, best, tie);
}

/** Marks as cancelled the candidates of the same order that the exception at `e` overrides. */
function cancelOwnOrder(c: Candidates, e: number): void {
  const order = c.meta[e] & ORDER_MASK;
  const important = (c.meta[e] & IMPORTANT_BIT) !== 0;
  for (let j = 0; j < c.count; j++) {
    const m = c.meta[j];
    if (m === CANCELLED || (m & ORDER_MASK) !== order || m & ALLOW_BIT) continue;
    if (important || !(m & IMPORTANT_BIT)) c.meta[j] = CANCELLED;
  }
}

/** > 0 when candidate a beats b, < 0 when b beats a, 0 on a tie (the lowest order id then wins). */
function compare(orders: readonly CompiledOrder[], c: Candidates, a: number, b: number): number {
  const oa = orders[c.meta[a] & ORDER_MASK];
  const ob = orders[c.meta[b] & ORDER_MASK];
  if (oa.scopeRank !== ob.scopeRank) return oa.scopeRank - ob.scopeRank;
  const aa = oa.action === 'allow' ? 1 : 0;
  const ab = ob.action === 'allow' ? 1 : 0;
  if (aa !== ab) return aa - ab;
  return c.specificity[a] - c.specificity[b];
}

const DOMAIN_REASONS: readonly Reason[] = ['domain-exact', 'domain-subtree', 'domain-subdomains'];

function build(policy: CompiledPolicy, c: Candidates, i: number, tieBroken: boolean): Decision {
  const meta = c.meta[i];
  const order = policy.orders[meta & ORDER_MASK];
  const ruleId = c.ruleId[i];
  const nd = policy.domains.ids;
  const np = policy.prefixes.rules.length;
  const reason: Reason =
    ruleId < nd
      ? DOMAIN_REASONS[(meta >>> KIND_SHIFT) & 3]
      : ruleId < nd + np
        ? 'address'
        : ruleId < nd + np + policy.urls.rules.length
          ? 'url-prefix'
          : 'destination-class';
  const action = meta & ALLOW_BIT ? 'allow' : order.action;
  const answerBits = (meta >>> ANSWER_SHIFT) & 3;
  const answer: DnsAnswer | undefined =
    answerBits === 1 ? 'nxdomain' : answerBits === 2 ? 'nodata' : undefined;
  // One object shape for every decision (absent fields undefined): no spreads on the hot path.
  return {
    action,
    orderId: order.id,
    ruleId,
    reason,
    label: action,
    disclosure: order.disclosure,
    rateBps: action === 'throttle' ? order.rateBps : undefined,
    tieBroken: tieBroken || undefined,
    answer,
  };
}

function splitUrl(url: string): { host: string; path: string } | null {
  const m = /^https?:\/\/([^/?#]+)([^#]*)/i.exec(url);
  if (!m) return null;
  const host = m[1].replace(/:\d+$/, '').toLowerCase();
  return { host, path: m[2] === '' ? '/' : m[2] };
}

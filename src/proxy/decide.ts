/**
 * The proxy's decision for one destination. The stages run in this order, each for a reason:
 *
 *   1. name    evaluate({domain}) and, for plaintext HTTP, evaluate({url}): a block here needs
 *              no DNS lookup at all (nothing about the blocked name leaks upstream);
 *   2. lookup  the gateway's own DNS pipeline; its block decision blocks too (the same policy
 *              applied at DNS must not be dodged by a proxy);
 *   3. address evaluate({address, destinationClass}) on the address that will be dialled
 *              (address orders, and class orders such as `class:international`: the class is
 *              known once the address is, and judged with it so an order's `@@prefix` exception
 *              can carve a range out of its class).
 *
 * The result is the most restrictive of the three: block > throttle (the lower rate) > the rest.
 * A redirected transparent connection skips the lookup (`judgeRedirected`): its address is known.
 */
import { type Decision, NO_DECISION } from '../core/decision.js';
import type { Identity } from '../identity/cidr-map.js';
import type { DestinationClass } from '../policy/class-target.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { evaluate, type Facts } from '../policy/evaluate.js';
import type { LookupResult } from './types.js';

/** What is judged about a destination (kept so a new policy can judge it again). */
export interface DestinationFacts {
  /** A host name (lowercase), or null when the client named an address. */
  readonly domain: string | null;
  /** `http://host[:port]/path` for plaintext HTTP, else null. */
  readonly url: string | null;
  /** The address dialled (or to be dialled), or null before lookup. */
  address: string | null;
  /** The address's class (destination-class.ts); null or absent when it cannot be known. */
  destinationClass?: DestinationClass | null;
}

/** A decision and where it leads. */
export interface Judgement {
  readonly decision: Decision;
  readonly facts: DestinationFacts;
  /** Addresses to dial (empty when blocked or the lookup found none). */
  readonly addresses: readonly string[];
  /** True when the lookup failed or found nothing (→ 502). */
  readonly unresolved: boolean;
}

const RANK = { block: 4, throttle: 3, 'safe-search': 2, allow: 1, none: 0 } as const;

/** The more restrictive of two decisions: block, then throttle at the lower rate, then the first. */
export function mostRestrictive(a: Decision, b: Decision): Decision {
  const ra = RANK[a.action];
  const rb = RANK[b.action];
  if (ra !== rb) return rb > ra ? b : a;
  if (a.action === 'throttle' && (b.rateBps ?? Infinity) < (a.rateBps ?? Infinity)) return b;
  return a;
}

/** Judges `facts` without a lookup (stages 1 and 3): for new policies on live connections. */
export function rejudge(policy: CompiledPolicy, identity: Identity, facts: DestinationFacts, time: number) {
  const base = { isp: identity.isp, groups: identity.groups, time };
  let d = NO_DECISION;
  if (facts.domain !== null) d = evaluate(policy, { ...base, domain: facts.domain });
  if (facts.url !== null) d = mostRestrictive(d, evaluate(policy, { ...base, url: facts.url }));
  if (facts.address !== null) d = mostRestrictive(d, evaluate(policy, addressFacts(base, facts)));
  return d;
}

/** The address and its class, judged together (stage 3). */
function addressFacts(base: Facts, facts: DestinationFacts): Facts {
  const address = facts.address ?? undefined;
  const cls = facts.destinationClass;
  return cls ? { ...base, address, destinationClass: cls } : { ...base, address };
}

/** What `judge` needs. */
export interface JudgeContext {
  readonly policy: CompiledPolicy;
  readonly identity: Identity;
  readonly time: number;
  lookup(name: string, identity: Identity): Promise<LookupResult>;
  /** The class of a destination address (destination-class.ts `classOf`); absent: no class. */
  classOf?(address: string): DestinationClass | null;
}

/** Runs the three stages for a destination named by `host` (a name or an address literal). */
export async function judge(
  ctx: JudgeContext,
  host: string,
  hostIsName: boolean,
  url: string | null,
): Promise<Judgement> {
  const facts: DestinationFacts = {
    domain: hostIsName ? host : null,
    url,
    address: hostIsName ? null : host,
  };
  let decision = rejudge(ctx.policy, ctx.identity, { ...facts, address: null }, ctx.time);
  if (decision.action === 'block') return { decision, facts, addresses: [], unresolved: false };
  let addresses: readonly string[] = [host];
  if (hostIsName) {
    let answer: LookupResult;
    try {
      answer = await ctx.lookup(host, ctx.identity);
    } catch {
      return { decision, facts, addresses: [], unresolved: true };
    }
    decision = mostRestrictive(decision, answer.decision);
    if (decision.action === 'block') return { decision, facts, addresses: [], unresolved: false };
    addresses = answer.addresses;
    if (addresses.length === 0) return { decision, facts, addresses, unresolved: true };
  }
  facts.address = addresses[0];
  facts.destinationClass = ctx.classOf?.(addresses[0]) ?? null;
  const base = { isp: ctx.identity.isp, groups: ctx.identity.groups, time: ctx.time };
  decision = mostRestrictive(decision, evaluate(ctx.policy, addressFacts(base, facts)));
  return { decision, facts, addresses: decision.action === 'block' ? [] : addresses, unresolved: false };
}

/**
 * Judges a redirected connection (SO_ORIGINAL_DST): its destination address is known, so there
 * is no lookup; the name the client sent (Host or SNI, when it is a name) is judged against name
 * and URL orders, the address against address and CIDR orders, and a block on either blocks.
 */
export function judgeRedirected(
  ctx: JudgeContext,
  domain: string | null,
  url: string | null,
  address: string,
): Judgement {
  const facts: DestinationFacts = { domain, url, address, destinationClass: ctx.classOf?.(address) ?? null };
  const decision = rejudge(ctx.policy, ctx.identity, facts, ctx.time);
  return { decision, facts, addresses: decision.action === 'block' ? [] : [address], unresolved: false };
}

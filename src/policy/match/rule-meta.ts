/**
 * The packed 32-bit description of one compiled rule, shared by every matcher table.
 *
 *   bits  0..23  order index in the compiled policy (so at most 16,777,215 orders)
 *   bits 24..25  domain kind: 0 exact, 1 subtree (name and subdomains), 2 subdomains only
 *   bit  26      exception (allow) inside its order
 *   bit  27      important (adblock `$important`)
 *   bits 28..29  RPZ answer: 0 the order's own, 1 nxdomain, 2 nodata
 *   bit  30      more rules share this name (domain table overflow)
 */
import type { Rule } from '../model.js';

export const ORDER_MASK = 0x00ffffff;
export const MAX_ORDERS = ORDER_MASK;
export const KIND_SHIFT = 24;
export const KIND_EXACT = 0;
export const KIND_SUBTREE = 1;
export const KIND_SUBDOMAINS = 2;
export const ALLOW_BIT = 1 << 26;
export const IMPORTANT_BIT = 1 << 27;
export const ANSWER_SHIFT = 28;
export const DUPS_BIT = 1 << 30;

/** Packs a rule's flags and its order index. */
export function packMeta(rule: Rule, orderIndex: number): number {
  let kind = KIND_SUBTREE;
  if (rule.kind === 'exact') kind = KIND_EXACT;
  else if (rule.kind === 'subdomains') kind = KIND_SUBDOMAINS;
  let meta = orderIndex | (kind << KIND_SHIFT);
  if (rule.allow) meta |= ALLOW_BIT;
  if (rule.important) meta |= IMPORTANT_BIT;
  if (rule.answer === 'nxdomain') meta |= 1 << ANSWER_SHIFT;
  else if (rule.answer === 'nodata') meta |= 2 << ANSWER_SHIFT;
  return meta >>> 0;
}

/** The flags of a packed rule, back as Rule fields (without kind and value). */
export function unpackFlags(meta: number): Pick<Rule, 'allow' | 'important' | 'answer'> {
  const answer = (meta >>> ANSWER_SHIFT) & 3;
  return {
    ...(meta & ALLOW_BIT ? { allow: true } : {}),
    ...(meta & IMPORTANT_BIT ? { important: true } : {}),
    ...(answer === 1 ? { answer: 'nxdomain' as const } : answer === 2 ? { answer: 'nodata' as const } : {}),
  };
}

/**
 * Matches found during one evaluation: scratch arrays reused across calls, so a lookup
 * allocates nothing until it has a decision to return. One per thread (never shared).
 */
export class Candidates {
  readonly meta = new Uint32Array(64);
  readonly ruleId = new Int32Array(64);
  /** Higher is more specific (see evaluate.ts for the scale). */
  readonly specificity = new Int32Array(64);
  count = 0;

  /** Adds a match; past 64 matches the least useful extras are dropped (never seen in practice). */
  push(meta: number, ruleId: number, specificity: number): void {
    if (this.count === 64) return;
    this.meta[this.count] = meta;
    this.ruleId[this.count] = ruleId;
    this.specificity[this.count] = specificity;
    this.count++;
  }
}

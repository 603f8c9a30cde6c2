/**
 * explain(decision, policy): the decision in words a person understands, for
 * `gatehouse policy check`, the console's "why is this blocked?" and notices.
 */
import type { Decision } from '../core/decision.js';
import { CLASS_WORDS, type DestinationClass } from './class-target.js';
import type { CompiledOrder, CompiledPolicy } from './compile.js';
import type { Rule } from './model.js';
import { formatTarget } from './target.js';

const INFO_CODE_NAMES: Record<number, string> = { 15: 'Blocked', 16: 'Censored', 17: 'Filtered' };

const ACTION_WORDS: Record<Decision['action'], string> = {
  none: 'not affected',
  allow: 'explicitly allowed',
  block: 'blocked',
  throttle: 'throttled',
  'safe-search': 'rewritten to safe search',
};

const SCOPE_WORDS = ['nationally', 'for the ISPs', 'for the subscriber groups'] as const;

function describeRule(rule: Rule): string {
  if (rule.kind === 'class') {
    const words = CLASS_WORDS[rule.value as DestinationClass] ?? 'a destination class';
    return `\`${formatTarget(rule)}\` (${words}${rule.allow ? ', an exception in the order’s own list' : ''})`;
  }
  const what =
    rule.kind === 'exact'
      ? 'this name only'
      : rule.kind === 'subtree'
        ? 'this name and all its subdomains'
        : rule.kind === 'subdomains'
          ? 'subdomains of this name only'
          : rule.kind === 'cidr'
            ? 'an address prefix'
            : 'a URL prefix (plaintext HTTP only)';
  return `\`${formatTarget(rule)}\` (${what}${rule.allow ? ', an exception in the order’s own list' : ''})`;
}

function describeScope(order: CompiledOrder): string {
  const list = order.scopeSet ? ` ${[...order.scopeSet].join(', ')}` : '';
  return `${SCOPE_WORDS[order.scopeRank]}${list}`;
}

/** The decision in plain sentences, one per line. */
export function explain(decision: Decision, policy: CompiledPolicy): string {
  if (decision.action === 'none')
    return 'No order in force applies: nothing is blocked, throttled or rewritten.';
  const info = policy.rule(decision.ruleId);
  if (!info)
    return `${ACTION_WORDS[decision.action]} by order ${decision.orderId} (rule no longer in this policy).`;
  const { order, rule } = info;
  const lines = [
    `${cap(ACTION_WORDS[decision.action])} by order ${order.id} “${order.title}”, issued by ${order.authority.name} (${order.authority.kind}).`,
    `Legal basis: ${order.legalBasis.instrument}, ${order.legalBasis.article}; decision ${order.decisionRef}.`,
    `Matched rule ${describeRule(rule)}, applied ${describeScope(order)}.`,
  ];
  // "Why is this slowed down?" for a class target: the person should read that the order is
  // about where the traffic goes, not about the site, and where that line is drawn.
  if (rule.kind === 'class' && !rule.allow)
    lines.push(
      `The order applies to ${rule.value} destinations: the address connected to is ${rule.value === 'international' ? 'outside' : 'inside'} the domestic prefixes the operator configured.`,
    );
  if (decision.action === 'throttle') lines.push(`Rate limited to ${decision.rateBps} bytes per second.`);
  if (decision.tieBroken) {
    lines.push('Other orders matched just as specifically at the same scope: the lowest order id decides.');
  }
  lines.push(`In force from ${iso(order.notBefore)} until ${iso(order.expiresAt)}.`);
  if (decision.action !== 'allow') {
    const d = order.disclosure;
    lines.push(
      rule.kind === 'class'
        ? 'Judged on the destination address, never at DNS; a block is disclosed as HTTP 451 or a TLS access_denied alert.'
        : `Disclosed as Extended DNS Error ${d.infoCode} (${INFO_CODE_NAMES[d.infoCode]}) and HTTP 451.`,
    );
    if (d.notice) lines.push(`Notice: ${d.notice}`);
    if (d.appeal.length > 0) lines.push(`Appeal: ${d.appeal.join(', ')}`);
  }
  return lines.join('\n');
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

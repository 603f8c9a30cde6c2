/**
 * Builders for orders in tests: every field filled with a plausible value, overridable.
 */
import type { Order, OrderWithRules, Rule } from '../../src/policy/model.js';
import { parseTargetOrThrow } from '../../src/policy/target.js';

export const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);
export const DAY = 86_400_000;

/** An active national block order with id `id`; override any field. */
export function makeOrder(id: number, over: Partial<Order> = {}): Order {
  return {
    id,
    title: `order ${id}`,
    authority: { name: 'Test District Court', kind: 'court' },
    legalBasis: { instrument: 'Test Act', article: 'art. 1' },
    decisionRef: `2-26-${id}`,
    scope: { kind: 'national' },
    action: { kind: 'block' },
    disclosure: {
      infoCode: 16,
      notice: `notice ${id}`,
      appeal: ['mailto:appeals@example.org'],
      dnsAnswer: 'nxdomain',
    },
    notBefore: T0 - DAY,
    expiresAt: T0 + 30 * DAY,
    public: true,
    status: 'active',
    createdBy: 'alice',
    createdAt: T0 - 2 * DAY,
    approvedBy: 'bob',
    approvedAt: T0 - DAY,
    ...over,
  };
}

/** An order with targets written in the canonical syntax. */
export function withTargets(order: Order, targets: readonly string[]): OrderWithRules {
  return { order, rules: targets.map((t): Rule => parseTargetOrThrow(t)) };
}

/**
 * The one order every benchmark's million rules hang from: a plausible court order.
 */
import type { Order } from '../src/policy/model.js';

/** An active national block order, valid for a year from now. */
export function makeBenchOrder(id: number, over: Partial<Order> = {}): Order {
  const now = Date.now();
  return {
    id,
    title: 'Benchmark: unlawful gambling and malware domains',
    authority: { name: 'Benchmark District Court', kind: 'court' },
    legalBasis: { instrument: 'Benchmark Act', article: 'art. 1' },
    decisionRef: `bench-${id}`,
    scope: { kind: 'national' },
    action: { kind: 'block' },
    disclosure: {
      infoCode: 16,
      notice: 'benchmark order',
      appeal: ['mailto:appeals@gatehouse.invalid'],
      dnsAnswer: 'nxdomain',
    },
    notBefore: now - 1000,
    expiresAt: now + 365 * 86_400_000,
    public: true,
    status: 'active',
    createdBy: 'bench',
    createdAt: now,
    approvedBy: 'bench-judge',
    approvedAt: now,
    ...over,
  };
}

import { describe, expect, it } from 'vitest';
import { DAY, makeOrder, T0, withTargets } from '../../test/helpers/orders.js';
import { fromBundle, toBundle } from './bundle.js';
import { compilePolicy } from './compile.js';
import { evaluate, type Facts } from './evaluate.js';
import { explain } from './explain.js';
import type { OrderWithRules } from './model.js';

interface Case {
  name: string;
  orders: OrderWithRules[];
  facts: Facts;
  action: string;
  orderId: number;
  reason?: string;
  tie?: boolean;
}

const block = (id: number, targets: string[], over = {}) => withTargets(makeOrder(id, over), targets);
const allow = (id: number, targets: string[], over = {}) =>
  withTargets(makeOrder(id, { action: { kind: 'allow' }, ...over }), targets);
const isp = (id: number, targets: string[], isps = ['isp-a']) =>
  block(id, targets, { scope: { kind: 'isps', isps } });
const group = (id: number, targets: string[], groups = ['kids']) =>
  block(id, targets, { scope: { kind: 'groups', groups } });

const matching: Case[] = [
  {
    name: 'subtree matches the name',
    orders: [block(1, ['example.com'])],
    facts: { domain: 'example.com' },
    action: 'block',
    orderId: 1,
    reason: 'domain-subtree',
  },
  {
    name: 'subtree matches a subdomain',
    orders: [block(1, ['example.com'])],
    facts: { domain: 'a.b.example.com' },
    action: 'block',
    orderId: 1,
  },
  {
    name: 'subtree does not match a lookalike',
    orders: [block(1, ['example.com'])],
    facts: { domain: 'badexample.com' },
    action: 'none',
    orderId: 0,
  },
  {
    name: 'exact matches the name',
    orders: [block(1, ['=example.com'])],
    facts: { domain: 'example.com' },
    action: 'block',
    orderId: 1,
    reason: 'domain-exact',
  },
  {
    name: 'exact ignores subdomains',
    orders: [block(1, ['=example.com'])],
    facts: { domain: 'www.example.com' },
    action: 'none',
    orderId: 0,
  },
  {
    name: 'subdomains-only ignores the name',
    orders: [block(1, ['*.example.com'])],
    facts: { domain: 'example.com' },
    action: 'none',
    orderId: 0,
  },
  {
    name: 'subdomains-only matches below',
    orders: [block(1, ['*.example.com'])],
    facts: { domain: 'x.example.com' },
    action: 'block',
    orderId: 1,
    reason: 'domain-subdomains',
  },
  {
    name: 'case and trailing dot are folded',
    orders: [block(1, ['example.com'])],
    facts: { domain: 'WWW.Example.COM.' },
    action: 'block',
    orderId: 1,
  },
  {
    name: 'IDN targets match punycode queries',
    orders: [block(1, ['bücher.example'])],
    facts: { domain: 'xn--bcher-kva.example' },
    action: 'block',
    orderId: 1,
  },
  {
    name: 'IPv4 prefix',
    orders: [block(1, ['192.0.2.0/24'])],
    facts: { address: '192.0.2.77' },
    action: 'block',
    orderId: 1,
    reason: 'address',
  },
  {
    name: 'IPv4 outside prefix',
    orders: [block(1, ['192.0.2.0/24'])],
    facts: { address: '192.0.3.1' },
    action: 'none',
    orderId: 0,
  },
  {
    name: 'IPv6 prefix',
    orders: [block(1, ['2001:db8::/32'])],
    facts: { address: '2001:db8:1::5' },
    action: 'block',
    orderId: 1,
  },
  {
    name: 'URL prefix on plaintext HTTP',
    orders: [block(1, ['http://example.com/bad'])],
    facts: { url: 'http://example.com/bad/page' },
    action: 'block',
    orderId: 1,
    reason: 'url-prefix',
  },
  {
    name: 'URL prefix does not touch other paths',
    orders: [block(1, ['http://example.com/bad'])],
    facts: { url: 'http://example.com/good' },
    action: 'none',
    orderId: 0,
  },
  {
    name: 'URL rules never apply to DNS',
    orders: [block(1, ['http://example.com/bad'])],
    facts: { domain: 'example.com' },
    action: 'none',
    orderId: 0,
  },
  {
    name: 'a domain rule covers its URLs',
    orders: [block(1, ['example.com'])],
    facts: { url: 'http://www.example.com/x' },
    action: 'block',
    orderId: 1,
  },
];

const precedence: Case[] = [
  {
    name: 'allow beats block at the same scope',
    orders: [block(1, ['example.com']), allow(2, ['example.com'])],
    facts: { domain: 'example.com' },
    action: 'allow',
    orderId: 2,
  },
  {
    name: 'allow beats block even when the block is more specific',
    orders: [block(1, ['=www.example.com']), allow(2, ['example.com'])],
    facts: { domain: 'www.example.com' },
    action: 'allow',
    orderId: 2,
  },
  {
    name: 'an ISP block beats a national allow',
    orders: [isp(1, ['example.com']), allow(2, ['example.com'])],
    facts: { domain: 'example.com', isp: 'isp-a' },
    action: 'block',
    orderId: 1,
  },
  {
    name: 'an ISP order does not reach other ISPs',
    orders: [isp(1, ['example.com'])],
    facts: { domain: 'example.com', isp: 'isp-b' },
    action: 'none',
    orderId: 0,
  },
  {
    name: 'a group order beats an ISP order',
    orders: [isp(1, ['example.com']), group(2, ['example.com'])],
    facts: { domain: 'example.com', isp: 'isp-a', groups: ['kids'] },
    action: 'block',
    orderId: 2,
  },
  {
    name: 'a group order needs the group',
    orders: [group(2, ['example.com'])],
    facts: { domain: 'example.com', isp: 'isp-a', groups: ['adults'] },
    action: 'none',
    orderId: 0,
  },
  {
    name: 'exact beats subtree at the same scope',
    orders: [
      block(1, ['example.com'], { action: { kind: 'throttle', bytesPerSecond: 1000 } }),
      block(2, ['=example.com']),
    ],
    facts: { domain: 'example.com' },
    action: 'block',
    orderId: 2,
  },
  {
    name: 'longer suffix beats shorter',
    orders: [block(1, ['www.example.com']), block(2, ['example.com'], { action: { kind: 'safe-search' } })],
    facts: { domain: 'a.www.example.com' },
    action: 'block',
    orderId: 1,
  },
  {
    name: 'longest prefix wins',
    orders: [
      block(1, ['10.0.0.0/8'], { action: { kind: 'throttle', bytesPerSecond: 9 } }),
      block(2, ['10.1.0.0/16']),
    ],
    facts: { address: '10.1.2.3' },
    action: 'block',
    orderId: 2,
  },
  {
    name: 'URL beats domain',
    orders: [
      block(1, ['example.com'], { action: { kind: 'throttle', bytesPerSecond: 9 } }),
      block(2, ['http://example.com/x']),
    ],
    facts: { url: 'http://example.com/x/y' },
    action: 'block',
    orderId: 2,
  },
  {
    name: 'ties go to the lowest order id and say so',
    orders: [block(7, ['example.com']), block(3, ['example.com'])],
    facts: { domain: 'example.com' },
    action: 'block',
    orderId: 3,
    tie: true,
  },
  {
    name: 'an exception cancels its own order',
    orders: [block(1, ['example.com', '@@www.example.com'])],
    facts: { domain: 'www.example.com' },
    action: 'allow',
    orderId: 1,
  },
  {
    name: 'an exception leaves other orders alone',
    orders: [block(1, ['example.com', '@@www.example.com']), block(2, ['example.com'])],
    facts: { domain: 'www.example.com' },
    action: 'block',
    orderId: 2,
  },
  {
    name: '$important survives a plain exception',
    orders: [block(1, ['example.com$important', '@@www.example.com'])],
    facts: { domain: 'www.example.com' },
    action: 'block',
    orderId: 1,
  },
  {
    name: 'an important exception cancels important blocks',
    orders: [block(1, ['example.com$important', '@@www.example.com$important'])],
    facts: { domain: 'www.example.com' },
    action: 'allow',
    orderId: 1,
  },
];

const time: Case[] = [
  {
    name: 'not yet in force',
    orders: [block(1, ['example.com'], { notBefore: T0 + 1000 })],
    facts: { domain: 'example.com', time: T0 },
    action: 'none',
    orderId: 0,
  },
  {
    name: 'in force from its second',
    orders: [block(1, ['example.com'], { notBefore: T0 + 1000 })],
    facts: { domain: 'example.com', time: T0 + 1000 },
    action: 'block',
    orderId: 1,
  },
  {
    name: 'expired at its second',
    orders: [block(1, ['example.com'], { expiresAt: T0 + 1000 })],
    facts: { domain: 'example.com', time: T0 + 1000 },
    action: 'none',
    orderId: 0,
  },
  {
    name: 'suspended orders are not compiled',
    orders: [block(1, ['example.com'], { status: 'suspended' })],
    facts: { domain: 'example.com', time: T0 },
    action: 'none',
    orderId: 0,
  },
];

describe.each([
  ['matching', matching],
  ['precedence', precedence],
  ['time', time],
])('evaluate: %s', (_, cases) => {
  it.each(cases)('$name', (c) => {
    const policy = compilePolicy(c.orders, T0);
    const d = evaluate(policy, { time: T0, ...c.facts });
    expect({ action: d.action, orderId: d.orderId }).toEqual({ action: c.action, orderId: c.orderId });
    if (c.reason) expect(d.reason).toBe(c.reason);
    expect(Boolean(d.tieBroken)).toBe(Boolean(c.tie));
  });
});

describe('compiled policy', () => {
  const orders = [
    block(1, [
      'example.com',
      '=exact.example.org',
      '*.sub.example.net',
      '192.0.2.0/24',
      'http://x.example/p',
    ]),
    block(2, ['example.com', 'other.example'], { action: { kind: 'throttle', bytesPerSecond: 5000 } }),
  ];

  it('drops expired orders at compile time', () => {
    const policy = compilePolicy([block(1, ['a.example'], { expiresAt: T0 - 1 })], T0);
    expect(policy.stats.orders).toBe(0);
  });

  it('describes every rule it holds', () => {
    const policy = compilePolicy(orders, T0);
    const d = evaluate(policy, { domain: 'www.example.com', time: T0 });
    expect(policy.rule(d.ruleId)?.rule).toEqual({ kind: 'subtree', value: 'example.com' });
    expect(policy.rule(-1)).toBeNull();
    expect(policy.rule(10_000)).toBeNull();
  });

  it('round-trips through a bundle with identical decisions', () => {
    const policy = compilePolicy(orders, T0);
    const copy = fromBundle(toBundle(policy));
    for (const facts of [
      { domain: 'www.example.com' },
      { domain: 'exact.example.org' },
      { domain: 'a.sub.example.net' },
      { address: '192.0.2.9' },
      { url: 'http://x.example/p/q' },
      { domain: 'other.example' },
      { domain: 'nothing.example' },
    ]) {
      expect(evaluate(copy, { ...facts, time: T0 })).toEqual(evaluate(policy, { ...facts, time: T0 }));
    }
  });

  it('refuses a corrupt bundle', () => {
    const bytes = toBundle(compilePolicy(orders, T0));
    bytes[bytes.length - 1] ^= 1;
    expect(() => fromBundle(bytes)).toThrow(expect.objectContaining({ code: 'GH_ERR_POLICY_BUNDLE' }));
    expect(() => fromBundle(Buffer.from('nope'))).toThrow(
      expect.objectContaining({ code: 'GH_ERR_POLICY_BUNDLE' }),
    );
  });

  it('explains a block with its order, law, rule and appeal', () => {
    const policy = compilePolicy(orders, T0);
    const text = explain(evaluate(policy, { domain: 'www.example.com', time: T0 }), policy);
    expect(text).toContain('Blocked by order 1');
    expect(text).toContain('Test Act, art. 1');
    expect(text).toContain('`example.com` (this name and all its subdomains)');
    expect(text).toContain('mailto:appeals@example.org');
    expect(text).toContain(new Date(T0 + 30 * DAY).toISOString().slice(0, 10));
  });

  it('explains a tie and an unmatched name', () => {
    const policy = compilePolicy([block(7, ['example.com']), block(3, ['example.com'])], T0);
    expect(explain(evaluate(policy, { domain: 'example.com', time: T0 }), policy)).toContain(
      'lowest order id',
    );
    expect(explain(evaluate(policy, { domain: 'x.example', time: T0 }), policy)).toMatch(/^No order/);
  });
});

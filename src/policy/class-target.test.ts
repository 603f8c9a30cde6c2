/** Destination-class targets: syntax, validation, compile, evaluate, precedence, bundles, explain. */
import { describe, expect, it } from 'vitest';
import { DAY, makeOrder, T0, withTargets } from '../../test/helpers/orders.js';
import { fromBundle, toBundle } from './bundle.js';
import { compilePolicy } from './compile.js';
import { evaluate, evaluateWire, type Facts } from './evaluate.js';
import { explain } from './explain.js';
import { exportRules } from './formats/export.js';
import { validateOrderInput } from './lifecycle.js';
import type { Order, OrderWithRules } from './model.js';
import { formatTarget, parseTarget } from './target.js';

const order = (id: number, targets: string[], over: Partial<Order> = {}): OrderWithRules =>
  withTargets(makeOrder(id, over), targets);
const throttle = (id: number, targets: string[], bytesPerSecond = 1000, over: Partial<Order> = {}) =>
  order(id, targets, { action: { kind: 'throttle', bytesPerSecond }, ...over });
const allow = (id: number, targets: string[], over: Partial<Order> = {}) =>
  order(id, targets, { action: { kind: 'allow' }, ...over });

describe('class target syntax', () => {
  it.each([
    ['class:international', { kind: 'class', value: 'international' }, 'class:international'],
    ['class:domestic', { kind: 'class', value: 'domestic' }, 'class:domestic'],
    ['  CLASS:International ', { kind: 'class', value: 'international' }, 'class:international'],
    ['@@class:domestic', { kind: 'class', value: 'domestic', allow: true }, '@@class:domestic'],
    [
      'class:international$important',
      { kind: 'class', value: 'international', important: true },
      'class:international$important',
    ],
  ])('%s parses and formats canonically', (text, rule, canonical) => {
    expect(parseTarget(text)).toEqual(rule);
    expect(formatTarget(parseTarget(text) as never)).toBe(canonical);
    expect(parseTarget(canonical)).toEqual(rule);
  });

  it.each(['class:foreign', 'class:', 'class:international$nodata', 'class:international$nxdomain'])(
    '%s is refused',
    (text) => {
      expect(typeof parseTarget(text)).toBe('string');
    },
  );
});

describe('validating orders with class targets', () => {
  const NOW = T0;
  const base = (action: unknown, targets: unknown[]) => ({
    title: 'Throttle international traffic',
    authority: { name: 'District Court', kind: 'court' },
    legalBasis: { instrument: 'Telecoms Act', article: 's. 9' },
    decisionRef: '2026/4',
    scope: { kind: 'national' },
    action,
    disclosure: { notice: 'Slowed by court order 2026/4', appeal: ['mailto:appeals@court.example'] },
    expiresAt: NOW + 30 * DAY,
    targets,
  });
  const THROTTLE = { kind: 'throttle', bytesPerSecond: 65536 };
  const run = (input: unknown, destinationClasses: boolean) => {
    try {
      return validateOrderInput(input, { maxDurationMs: 90 * DAY, now: NOW, destinationClasses });
    } catch (err) {
      return (err as { code: string }).code;
    }
  };

  it.each([
    { name: 'throttle', action: THROTTLE, targets: ['Class:International'], code: null },
    { name: 'block', action: { kind: 'block' }, targets: ['class:international'], code: null },
    { name: 'allow', action: { kind: 'allow' }, targets: ['class:domestic'], code: null },
    {
      name: 'an unknown class',
      action: THROTTLE,
      targets: ['class:foreign'],
      code: 'GH_ERR_TARGET_CLASS_UNKNOWN',
    },
    {
      name: 'an unknown class and a bad name',
      action: THROTTLE,
      targets: ['class:foreign', 'bad..name'],
      code: 'GH_ERR_ORDER_INVALID',
    },
    {
      name: 'an unknown class, with a modifier',
      action: THROTTLE,
      targets: ['@@class:abroad$important'],
      code: 'GH_ERR_TARGET_CLASS_UNKNOWN',
    },
    {
      name: 'an RPZ answer on a class (never judged at DNS)',
      action: { kind: 'block' },
      targets: ['class:international$nodata'],
      code: 'GH_ERR_ORDER_INVALID',
    },
    {
      name: 'a safe-search order',
      action: { kind: 'safe-search' },
      targets: ['class:international'],
      code: 'GH_ERR_TARGET_CLASS_ACTION',
    },
    {
      name: 'a disconnect order (subscribers only)',
      action: { kind: 'disconnect' },
      targets: ['class:international'],
      code: 'GH_ERR_ORDER_INVALID',
    },
  ])('$name → $code', ({ action, targets, code }) => {
    const result = run(base(action, targets), true);
    if (code === null) expect(result).toMatchObject({ targets: [targets[0].trim().toLowerCase()] });
    else expect(result).toBe(code);
  });

  it('refuses a class target when no domestic prefixes are configured', () => {
    expect(run(base(THROTTLE, ['class:international']), false)).toBe('GH_ERR_TARGET_CLASS_UNCONFIGURED');
    // Without class targets the setting does not matter.
    expect(run(base(THROTTLE, ['example.com']), false)).toMatchObject({ targets: ['example.com'] });
  });
});

interface Case {
  name: string;
  orders: OrderWithRules[];
  facts: Facts;
  action: string;
  orderId: number;
  reason?: string;
  rateBps?: number;
}

const INTL: Facts = { address: '198.51.100.7', destinationClass: 'international' };
const HOME: Facts = { address: '192.0.2.7', destinationClass: 'domestic' };

const cases: Case[] = [
  {
    name: 'an international destination is throttled',
    orders: [throttle(1, ['class:international'], 5000)],
    facts: INTL,
    action: 'throttle',
    orderId: 1,
    reason: 'destination-class',
    rateBps: 5000,
  },
  {
    name: 'a domestic destination is not',
    orders: [throttle(1, ['class:international'])],
    facts: HOME,
    action: 'none',
    orderId: 0,
  },
  {
    name: 'class:domestic matches domestic destinations',
    orders: [order(1, ['class:domestic'])],
    facts: HOME,
    action: 'block',
    orderId: 1,
    reason: 'destination-class',
  },
  {
    name: 'without a class (DNS, or no domestic prefixes) a class target never matches',
    orders: [order(1, ['class:international'])],
    facts: { address: '198.51.100.7' },
    action: 'none',
    orderId: 0,
  },
  {
    name: 'a name alone never matches a class target',
    orders: [order(1, ['class:international'])],
    facts: { domain: 'example.com' },
    action: 'none',
    orderId: 0,
  },
  {
    name: 'an address prefix, however wide, is more specific than a class',
    orders: [throttle(1, ['class:international']), order(2, ['0.0.0.0/0'])],
    facts: INTL,
    action: 'block',
    orderId: 2,
    reason: 'address',
  },
  {
    name: 'an address rule beats a class rule, whatever the order ids',
    orders: [order(1, ['class:international']), throttle(2, ['198.51.100.0/24'])],
    facts: INTL,
    action: 'throttle',
    orderId: 2,
  },
  {
    name: 'the order’s own @@prefix exception carves a range out of its class',
    orders: [throttle(1, ['class:international', '@@198.51.100.0/24'])],
    facts: INTL,
    action: 'allow',
    orderId: 1,
  },
  {
    name: 'another order’s exception does not',
    orders: [throttle(1, ['class:international']), order(2, ['@@198.51.100.0/24', 'x.example'])],
    facts: INTL,
    action: 'throttle',
    orderId: 1,
  },
  {
    name: 'a narrower-scope allow on a class exempts that ISP',
    orders: [
      throttle(1, ['class:international']),
      allow(2, ['class:international'], { scope: { kind: 'isps', isps: ['isp-a'] } }),
    ],
    facts: { ...INTL, isp: 'isp-a' },
    action: 'allow',
    orderId: 2,
  },
  {
    name: 'the national throttle still applies to other ISPs',
    orders: [
      throttle(1, ['class:international']),
      allow(2, ['class:international'], { scope: { kind: 'isps', isps: ['isp-a'] } }),
    ],
    facts: { ...INTL, isp: 'isp-b' },
    action: 'throttle',
    orderId: 1,
  },
  {
    name: 'a class order out of force does not match',
    orders: [throttle(1, ['class:international'], 1000, { notBefore: T0 + DAY })],
    facts: INTL,
    action: 'none',
    orderId: 0,
  },
  {
    name: 'two class throttles at one scope tie: the lowest order id',
    orders: [throttle(2, ['class:international'], 2000), throttle(1, ['class:international'], 1000)],
    facts: INTL,
    action: 'throttle',
    orderId: 1,
    rateBps: 1000,
  },
  {
    name: 'a class target in a safe-search order compiles to nothing',
    orders: [order(1, ['class:international'], { action: { kind: 'safe-search' } })],
    facts: INTL,
    action: 'none',
    orderId: 0,
  },
];

describe('evaluating class targets', () => {
  it.each(cases)('$name', (c) => {
    const policy = compilePolicy(c.orders, T0);
    const d = evaluate(policy, { time: T0, ...c.facts });
    expect({ action: d.action, orderId: d.orderId }).toEqual({ action: c.action, orderId: c.orderId });
    if (c.reason) expect(d.reason).toBe(c.reason);
    if (c.rateBps) expect(d.rateBps).toBe(c.rateBps);
    // Bundles (nodes) and parts (workers) decide the same.
    expect(evaluate(fromBundle(toBundle(policy)), { time: T0, ...c.facts })).toEqual(d);
  });

  it('evaluateWire (DNS) ignores class targets unless given a class', () => {
    const policy = compilePolicy([order(1, ['class:international'])], T0);
    const qname = Buffer.from([7, ...Buffer.from('example'), 3, ...Buffer.from('com'), 0]);
    expect(evaluateWire(policy, qname, 0, { time: T0, address: '198.51.100.7' }).action).toBe('none');
  });

  it('describes a class rule by its id, and counts it', () => {
    const policy = compilePolicy(
      [order(1, ['a.example', '10.0.0.0/8', 'http://u.example/x', 'class:international'])],
      T0,
    );
    const d = evaluate(policy, { time: T0, ...INTL });
    expect(policy.rule(d.ruleId)?.rule).toEqual({ kind: 'class', value: 'international' });
    expect(policy.rule(d.ruleId + 1)).toBeNull();
    expect(policy.stats.classRules).toBe(1);
  });
});

describe('exporting class targets', () => {
  it.each(['rpz', 'hosts', 'unbound', 'nftables'] as const)(
    '%s omits them (no DNS or address form)',
    (format) => {
      const result = exportRules(format, [{ kind: 'class', value: 'international' }]);
      expect(Object.values(result.omitted)).toEqual([1]);
    },
  );
});

describe('explaining class decisions', () => {
  it('says the order applies to international destinations and how it is disclosed', () => {
    const policy = compilePolicy([throttle(7, ['class:international'], 65536)], T0);
    const text = explain(evaluate(policy, { time: T0, ...INTL }), policy);
    expect(text).toContain('`class:international`');
    expect(text).toContain('applies to international destinations');
    expect(text).toContain('65536 bytes per second');
    expect(text).toContain('never at DNS');
  });

  it('says the same of a domestic block', () => {
    const policy = compilePolicy([order(8, ['class:domestic'])], T0);
    const text = explain(evaluate(policy, { time: T0, ...HOME }), policy);
    expect(text).toContain('applies to domestic destinations');
    expect(text).toContain('451');
  });
});

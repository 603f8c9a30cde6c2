import { describe, expect, test } from 'vitest';
import { makeOrder, T0, withTargets } from '../../test/helpers/orders.js';
import { type Decision, NO_DECISION } from '../core/decision.js';
import { UNKNOWN_IDENTITY } from '../identity/cidr-map.js';
import { compilePolicy } from '../policy/compile.js';
import { judge, judgeRedirected, mostRestrictive } from './decide.js';

const d = (action: Decision['action'], orderId: number, rateBps?: number): Decision => ({
  ...NO_DECISION,
  action,
  orderId,
  label: action,
  rateBps,
});

describe('mostRestrictive', () => {
  test.each([
    { a: d('none', 0), b: d('block', 2), wins: 2 },
    { a: d('block', 1), b: d('throttle', 2, 10), wins: 1 },
    { a: d('allow', 1), b: d('throttle', 2, 10), wins: 2 },
    { a: d('throttle', 1, 100), b: d('throttle', 2, 10), wins: 2 },
    { a: d('throttle', 1, 10), b: d('throttle', 2, 100), wins: 1 },
    { a: d('block', 1), b: d('block', 2), wins: 1 },
    { a: d('safe-search', 1), b: d('allow', 2), wins: 1 },
  ])('$a.action/$a.orderId vs $b.action/$b.orderId → order $wins', ({ a, b, wins }) => {
    expect(mostRestrictive(a, b).orderId).toBe(wins);
  });
});

const policy = compilePolicy(
  [
    withTargets(makeOrder(1), ['blocked.test']),
    withTargets(makeOrder(2), ['http://shop.test/banned/']),
    withTargets(makeOrder(3), ['192.0.2.0/24']),
    withTargets(makeOrder(4, { action: { kind: 'throttle', bytesPerSecond: 1000 } }), ['slow.test']),
    withTargets(makeOrder(5, { action: { kind: 'allow' } }), ['fine.test']),
  ],
  T0,
);

const ADDRESSES: Record<string, string[]> = {
  'shop.test': ['198.51.100.1'],
  'slow.test': ['198.51.100.2'],
  'fine.test': ['192.0.2.9'],
  'dns-blocked.test': ['198.51.100.3'],
  'empty.test': [],
};

function ctx(lookups: string[]) {
  return {
    policy,
    identity: UNKNOWN_IDENTITY,
    time: T0,
    lookup: async (name: string) => {
      lookups.push(name);
      if (name === 'broken.test') throw new Error('servfail');
      const decision = name === 'dns-blocked.test' ? d('block', 9) : NO_DECISION;
      return { addresses: ADDRESSES[name] ?? ['198.51.100.9'], decision };
    },
  };
}

describe('judge', () => {
  test.each([
    { host: 'blocked.test', url: null, action: 'block', orderId: 1, looked: false, address: null },
    {
      host: 'shop.test',
      url: 'http://shop.test/banned/x',
      action: 'block',
      orderId: 2,
      looked: false,
      address: null,
    },
    {
      host: 'shop.test',
      url: 'http://shop.test/ok',
      action: 'none',
      orderId: 0,
      looked: true,
      address: '198.51.100.1',
    },
    { host: 'slow.test', url: null, action: 'throttle', orderId: 4, looked: true, address: '198.51.100.2' },
    // An allow for the name does not lift a block on the address it resolves to: most restrictive.
    { host: 'fine.test', url: null, action: 'block', orderId: 3, looked: true, address: '192.0.2.9' },
    { host: 'dns-blocked.test', url: null, action: 'block', orderId: 9, looked: true, address: null },
    { host: '192.0.2.1', url: null, action: 'block', orderId: 3, looked: false, address: '192.0.2.1' },
  ] as const)('$host $url → $action $orderId', async ({ host, url, action, orderId, looked, address }) => {
    const lookups: string[] = [];
    const isName = !/^\d/.test(host);
    const j = await judge(ctx(lookups), host, isName, url);
    expect([j.decision.action, j.decision.orderId]).toEqual([action, orderId]);
    expect(lookups.length > 0).toBe(looked);
    expect(j.facts.address).toBe(address);
    expect(j.unresolved).toBe(false);
  });

  test.each(['empty.test', 'broken.test'])('%s is unresolved', async (host) => {
    const j = await judge(ctx([]), host, true, null);
    expect(j.unresolved).toBe(true);
    expect(j.addresses).toEqual([]);
  });
});

describe('judgeRedirected (the original destination is known: no lookup)', () => {
  test.each([
    { domain: 'shop.test', url: null, address: '198.51.100.1', action: 'none', orderId: 0 },
    // A block on the address blocks whatever the name...
    { domain: 'shop.test', url: null, address: '192.0.2.7', action: 'block', orderId: 3 },
    { domain: null, url: null, address: '192.0.2.7', action: 'block', orderId: 3 },
    // ...and a block on the name blocks whatever the address.
    { domain: 'blocked.test', url: null, address: '198.51.100.1', action: 'block', orderId: 1 },
    {
      domain: 'shop.test',
      url: 'http://shop.test/banned/x',
      address: '198.51.100.1',
      action: 'block',
      orderId: 2,
    },
    { domain: 'slow.test', url: null, address: '198.51.100.1', action: 'throttle', orderId: 4 },
    // An allow for the name does not lift the block on the address.
    { domain: 'fine.test', url: null, address: '192.0.2.9', action: 'block', orderId: 3 },
  ] as const)('$domain $url at $address → $action $orderId', ({ domain, url, address, action, orderId }) => {
    const lookups: string[] = [];
    const j = judgeRedirected(ctx(lookups), domain, url, address);
    expect([j.decision.action, j.decision.orderId]).toEqual([action, orderId]);
    expect(lookups).toEqual([]);
    expect(j.facts).toMatchObject({ domain, url, address });
    expect(j.addresses).toEqual(action === 'block' ? [] : [address]);
    expect(j.unresolved).toBe(false);
  });
});

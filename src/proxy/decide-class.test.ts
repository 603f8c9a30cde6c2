/** The proxy judges class orders (`class:international`) on the address it dials. */
import { describe, expect, test } from 'vitest';
import { makeOrder, T0, withTargets } from '../../test/helpers/orders.js';
import { NO_DECISION } from '../core/decision.js';
import { UNKNOWN_IDENTITY } from '../identity/cidr-map.js';
import { compilePolicy } from '../policy/compile.js';
import { judge, rejudge } from './decide.js';
import { createDestinationClassifier } from './destination-class.js';

const throttleIntl = withTargets(makeOrder(1, { action: { kind: 'throttle', bytesPerSecond: 4096 } }), [
  'class:international',
]);
const blockIntl = withTargets(makeOrder(2), ['class:international']);
const ADDRESSES: Record<string, string> = { 'home.test': '192.0.2.10', 'abroad.test': '198.51.100.10' };

function ctx(orders = [throttleIntl], domestic = ['192.0.2.0/24']) {
  return {
    policy: compilePolicy(orders, T0),
    identity: UNKNOWN_IDENTITY,
    time: T0,
    lookup: async (name: string) => ({
      addresses: [ADDRESSES[name] ?? '203.0.113.1'],
      decision: NO_DECISION,
    }),
    classOf: createDestinationClassifier(domestic).classOf,
  };
}

describe('judging class orders', () => {
  test.each([
    { host: 'abroad.test', name: true, action: 'throttle', cls: 'international' },
    { host: 'home.test', name: true, action: 'none', cls: 'domestic' },
    { host: '198.51.100.77', name: false, action: 'throttle', cls: 'international' },
    { host: '192.0.2.77', name: false, action: 'none', cls: 'domestic' },
  ])('$host → $action ($cls)', async ({ host, name, action, cls }) => {
    const j = await judge(ctx(), host, name, null);
    expect(j.decision.action).toBe(action);
    expect(j.facts.destinationClass).toBe(cls);
    if (action === 'throttle') expect(j.decision).toMatchObject({ orderId: 1, rateBps: 4096 });
  });

  test('with no domestic prefixes nothing has a class, so the order never matches', async () => {
    const j = await judge(ctx([throttleIntl], []), 'abroad.test', true, null);
    expect([j.decision.action, j.facts.destinationClass]).toEqual(['none', null]);
  });

  test('a class block refuses the connection (no addresses to dial)', async () => {
    const j = await judge(ctx([blockIntl]), 'abroad.test', true, null);
    expect([j.decision.action, j.decision.orderId, j.addresses]).toEqual(['block', 2, []]);
  });

  test('a new policy judges a live connection’s class again (rejudge)', async () => {
    const j = await judge(ctx([]), 'abroad.test', true, null);
    expect(j.decision.action).toBe('none');
    const later = compilePolicy([blockIntl], T0);
    expect(rejudge(later, UNKNOWN_IDENTITY, j.facts, T0)).toMatchObject({ action: 'block', orderId: 2 });
  });

  test('a name allowed by another order is still throttled by class: most restrictive wins', async () => {
    const allowName = withTargets(makeOrder(3, { action: { kind: 'allow' } }), ['abroad.test']);
    const j = await judge(ctx([throttleIntl, allowName]), 'abroad.test', true, null);
    expect([j.decision.action, j.decision.orderId]).toEqual(['throttle', 1]);
  });
});

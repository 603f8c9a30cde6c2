import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrderInput } from '../policy/lifecycle.js';
import { activeOrder } from '../store/contract.test-suite.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { createDisconnectOrders } from './disconnect-orders.js';
import { SessionBook } from './subscribers/sessions.js';
import { type FakeNas, type NasBehaviour, startFakeNas } from './testing.js';

const SECRET = 'dae-secret';
let store: Store;
let nas: FakeNas | undefined;
let sessions: SessionBook;

beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  sessions = new SessionBook();
  sessions.apply({
    status: 'start',
    isp: 'isp-a',
    nas: '192.0.2.10',
    sessionId: 'S1',
    subscriber: 'sub-42',
    ipv4: 0x6440002a,
    ipv6: [],
    time: Date.now(),
  });
});
afterEach(async () => {
  await nas?.close();
  nas = undefined;
  await store.close();
});

async function enforcer(behave: (n: number) => NasBehaviour, nasIsp = 'isp-a') {
  nas = await startFakeNas(SECRET, behave);
  return createDisconnectOrders({
    store,
    sessions,
    nases: [{ isp: nasIsp, nas: `127.0.0.1:${nas.port}`, secret: SECRET }],
    timeoutMs: 100,
    retries: 1,
    intervalMs: 0,
  });
}

const disconnectOrder = (over: Partial<OrderInput> = {}) =>
  activeOrder(store, { action: { kind: 'disconnect' }, targets: ['subscriber:isp-a/sub-42'], ...over });

describe('disconnect orders', () => {
  it('sends one Disconnect-Request per session, records the ACK, and never sends it again', async () => {
    const d = await enforcer(() => 'ack');
    const order = await disconnectOrder();
    const settled = await d.check();
    expect(settled).toMatchObject([{ orderId: order.id, status: 'ack', attempts: 1, sessionId: 'S1' }]);
    expect(nas?.received).toHaveLength(1);
    expect(nas?.received[0].attributes).toMatchObject({
      'User-Name': 'sub-42',
      'Acct-Session-Id': 'S1',
      'Framed-IP-Address': '100.64.0.42',
    });
    expect(await Promise.all([d.check(), d.check()])).toEqual([[], []]);
    expect(nas?.received).toHaveLength(1);
    const actions = (await store.audit.entries({ limit: 100 })).map((e) => e.action);
    expect(actions.filter((a) => a.startsWith('disconnect.'))).toEqual([
      'disconnect.request',
      'disconnect.ack',
    ]);
    d.close();
  });

  it('records a NAK with its Error-Cause, and a timeout after the retransmissions', async () => {
    const d = await enforcer((n) => (n === 0 ? { nak: 503 } : 'silent'));
    await disconnectOrder();
    expect(await d.check()).toMatchObject([{ status: 'nak', errorCause: 503 }]);
    sessions.apply({
      status: 'start',
      isp: 'isp-a',
      nas: '192.0.2.10',
      sessionId: 'S2',
      subscriber: 'sub-42',
      ipv4: -1,
      ipv6: [],
      time: Date.now(),
    });
    expect(await d.check()).toMatchObject([
      { status: 'timeout', attempts: 2, sessionId: 'S2', framedIp: null },
    ]);
    expect(nas?.received).toHaveLength(3);
    d.close();
  });

  it.each<[string, Partial<OrderInput>]>([
    ['an order not yet started', { notBefore: Date.now() + 60_000 }],
    ['an order scoped to another ISP', { scope: { kind: 'isps', isps: ['isp-b'] } }],
    ['another subscriber', { targets: ['subscriber:isp-a/sub-7'] }],
  ])('sends nothing for %s', async (_, over) => {
    const d = await enforcer(() => 'ack');
    await disconnectOrder(over);
    expect(await d.check()).toEqual([]);
    expect(nas?.received).toHaveLength(0);
    d.close();
  });

  it('sends nothing (and claims nothing) while the ISP has no NAS configured', async () => {
    const d = await enforcer(() => 'ack', 'isp-z');
    await disconnectOrder();
    expect(await d.check()).toEqual([]);
    expect(await store.subscribers.disconnects(null)).toEqual([]);
    d.close();
  });

  it('sends nothing for a suspended order', async () => {
    const d = await enforcer(() => 'ack');
    const order = await disconnectOrder();
    const { suspend } = await import('../policy/lifecycle.js');
    await store.orders.apply(suspend(order, 'carol', Date.now()));
    expect(await d.check()).toEqual([]);
    d.close();
  });
});

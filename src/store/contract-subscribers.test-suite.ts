/**
 * The subscriber half of the store contract (see `contract.test-suite.ts`), run inside its describe
 * block on every engine: scoped reads and writes, all-or-nothing upserts, the key check value,
 * disconnect claims that never repeat, and an audit entry (ids and counts only) for every change.
 */
import { expect, it } from 'vitest';
import type { SealedSubscriberInput } from '../identity/subscribers/repository.js';
import { activeOrder } from './contract.test-suite.js';
import type { Store } from './types.js';

const row = (id: string, tag = 'v1'): SealedSubscriberInput => ({
  id,
  sealed: {
    name: `v1.name-${id}-${tag}`,
    documentType: `v1.type-${id}`,
    documentNumber: `v1.doc-${id}`,
    address: `v1.addr-${id}`,
    phone: `v1.phone-${id}`,
  },
  verifiedAt: 1_700_000_000_000,
  verificationMethod: 'in-person',
});

/** Registers the subscriber tests; `store` returns the store the surrounding `beforeEach` opened. */
export function runSubscriberContract(store: () => Store): void {
  it('upserts by ISP and id, counting new and updated rows, and audits ids only', async () => {
    const subs = store().subscribers;
    expect(await subs.upsertMany(null, 'isp-a', [row('s1'), row('s2')], 'Alice')).toEqual({
      created: 2,
      updated: 0,
    });
    expect(await subs.upsertMany('isp-a', 'isp-a', [row('s2', 'v2'), row('s3')], 'bob')).toEqual({
      created: 1,
      updated: 1,
    });
    const s2 = await subs.get(null, 'isp-a', 's2');
    expect(s2).toMatchObject({
      isp: 'isp-a',
      id: 's2',
      createdBy: 'alice',
      updatedBy: 'bob',
      verificationMethod: 'in-person',
    });
    expect(s2?.sealed.name).toBe('v1.name-s2-v2');
    expect(s2?.verifiedAt).toBe(1_700_000_000_000);
    expect(await subs.count(null)).toBe(3);
    const entries = await store().audit.entries({ limit: 100 });
    const acts = entries
      .filter((e) => e.action.startsWith('subscriber.'))
      .map((e) => `${e.action} ${e.object}`);
    expect(acts).toEqual([
      'subscriber.create subscriber/isp-a/s1',
      'subscriber.create subscriber/isp-a/s2',
      'subscriber.import isp/isp-a',
      'subscriber.update subscriber/isp-a/s2',
      'subscriber.create subscriber/isp-a/s3',
      'subscriber.import isp/isp-a',
    ]);
    expect(entries.find((e) => e.action === 'subscriber.import')?.details).toEqual({
      rows: 2,
      created: 2,
      updated: 0,
    });
    expect(JSON.stringify(entries)).not.toContain('v1.');
    expect((await store().audit.verify()).ok).toBe(true);
  });

  it('keeps each ISP to its own subscribers', async () => {
    const subs = store().subscribers;
    await subs.upsertMany(null, 'isp-a', [row('s1')], 'alice');
    await subs.upsertMany('isp-b', 'isp-b', [row('s1'), row('s9')], 'bob');
    await expect(subs.upsertMany('isp-a', 'isp-b', [row('x')], 'mallory')).rejects.toMatchObject({
      code: 'GH_ERR_SUBSCRIBER_SCOPE',
    });
    expect(await subs.get('isp-a', 'isp-b', 's1')).toBeUndefined();
    expect((await subs.get('isp-b', 'isp-b', 's1'))?.isp).toBe('isp-b');
    expect((await subs.list('isp-a')).map((s) => `${s.isp}/${s.id}`)).toEqual(['isp-a/s1']);
    expect((await subs.list(null)).map((s) => `${s.isp}/${s.id}`)).toEqual([
      'isp-a/s1',
      'isp-b/s1',
      'isp-b/s9',
    ]);
    await expect(subs.list('isp-a', { isp: 'isp-b' })).rejects.toMatchObject({
      code: 'GH_ERR_SUBSCRIBER_SCOPE',
    });
    expect(await subs.count('isp-b')).toBe(2);
    expect((await subs.list(null, { q: 's9' })).map((s) => s.id)).toEqual(['s9']);
    expect((await subs.list(null, { q: '%' })).map((s) => s.id)).toEqual([]);
    const page = await subs.list(null, { limit: 2 });
    expect(page).toHaveLength(2);
    const rest = await subs.list(null, { after: { isp: page[1].isp, id: page[1].id } });
    expect(rest.map((s) => `${s.isp}/${s.id}`)).toEqual(['isp-b/s9']);
  });

  it('imports all rows or none', async () => {
    const subs = store().subscribers;
    const bad = { ...row('s2'), verifiedAt: null as unknown as number };
    await expect(subs.upsertMany(null, 'isp-a', [row('s1'), bad], 'alice')).rejects.toBeDefined();
    expect(await subs.count(null)).toBe(0);
    expect((await store().audit.entries({ limit: 10, action: 'subscriber.create' })).length).toBe(0);
  });

  it('stores the first key check value and keeps it', async () => {
    const subs = store().subscribers;
    expect(await subs.keyCheck()).toBeNull();
    expect(await subs.setKeyCheck('aa'.repeat(32), 'system')).toBe('aa'.repeat(32));
    expect(await subs.setKeyCheck('bb'.repeat(32), 'system')).toBe('aa'.repeat(32));
    expect(await subs.keyCheck()).toBe('aa'.repeat(32));
    expect(await store().audit.entries({ limit: 10, action: 'identity.key-check' })).toHaveLength(1);
  });

  it('claims a disconnect once per order and session, and records the answer', async () => {
    const subs = store().subscribers;
    const order = await activeOrder(store(), {
      action: { kind: 'disconnect' },
      targets: ['subscriber:isp-a/s1'],
    });
    const claim = {
      orderId: order.id,
      isp: 'isp-a',
      subscriber: 's1',
      nas: '192.0.2.10',
      sessionId: 'S1',
      framedIp: '100.64.0.1',
      nasAddress: '127.0.0.1:3799',
    };
    const [first, second] = await Promise.all([
      subs.claimDisconnect(claim, 'system'),
      subs.claimDisconnect(claim, 'system'),
    ]);
    const won = first ?? second;
    expect([first, second].filter((c) => c === null)).toHaveLength(1);
    expect(won).toMatchObject({
      ...claim,
      status: 'sending',
      attempts: 0,
      errorCause: null,
      answeredAt: null,
    });
    expect(await subs.claimDisconnect({ ...claim, sessionId: 'S2' }, 'system')).not.toBeNull();
    const settled = await subs.settleDisconnect(
      won!.id,
      { status: 'nak', errorCause: 503, attempts: 2 },
      'system',
    );
    expect(settled).toMatchObject({ status: 'nak', errorCause: 503, attempts: 2 });
    expect(settled.answeredAt).toEqual(expect.any(Number));
    await expect(
      subs.settleDisconnect(won!.id, { status: 'ack', attempts: 1 }, 'system'),
    ).rejects.toMatchObject({
      code: 'GH_ERR_SUBSCRIBER_NOT_FOUND',
    });
    expect((await subs.disconnects(null, { orderId: order.id })).map((d) => d.sessionId)).toEqual([
      'S2',
      'S1',
    ]);
    expect(await subs.disconnects('isp-b')).toEqual([]);
    const actions = (await store().audit.entries({ limit: 100 })).map((e) => e.action);
    expect(actions.filter((a) => a.startsWith('disconnect.'))).toEqual([
      'disconnect.request',
      'disconnect.request',
      'disconnect.nak',
    ]);
  });
}

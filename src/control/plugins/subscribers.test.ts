/** Subscriber records over the API: imports, ISP scoping (an ISP never sees another's), no identity in logs. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../telemetry/logger.js';
import { type Bench, type Client, createBench } from '../testing.js';

const HEADER = 'id,name,document_type,document_number,address,phone,verified_at,verification_method';
const NAME = 'Mari Maasikas';
const DOCUMENT = 'AB123456';
const row = (id: string) =>
  `${id},${NAME},passport,${DOCUMENT},"Tänav 1\nTallinn",+3725551234,2025-12-15,in-person`;
const csv = (...rows: string[]) => [HEADER, ...rows].join('\r\n');
const json = (id: string) =>
  JSON.stringify([
    {
      id,
      name: 'Jaan Tamm',
      documentType: 'national-id',
      documentNumber: '38001010000',
      address: 'Rua 2',
      phone: '+3725550000',
      verifiedAt: '2025-11-01',
      verificationMethod: 'eid',
    },
  ]);

const logs: string[] = [];
let bench: Bench;
let admin: Client;
let ispA: Client;
let ispB: Client;
let operator: Client;

beforeAll(async () => {
  const logger = createLogger(
    { level: 'trace', format: 'json' },
    { write: (line: string) => logs.push(line) },
  );
  bench = await createBench({ logger });
  admin = await bench.user('root', ['admin']);
  ispA = await bench.user('anna', ['isp'], { isp: 'isp-a' });
  ispB = await bench.user('bert', ['isp'], { isp: 'isp-b' });
  operator = await bench.user('olga', ['operator']);
});
afterAll(() => bench.close());

const importAs = (who: Client, payload: Record<string, unknown>) =>
  bench.call(who, { method: 'POST', url: '/api/subscribers/import', payload });
const get = (who: Client, url: string) => bench.call(who, { method: 'GET', url });
const ids = (res: { json(): { subscribers: { isp: string; id: string }[] } }) =>
  res.json().subscribers.map((s) => `${s.isp}/${s.id}`);

describe('subscribers', () => {
  test('an ISP imports its own; an admin imports for any ISP', async () => {
    const own = await importAs(ispA, { format: 'csv', body: csv(row('a1'), row('a2')) });
    expect([own.statusCode, own.json()]).toEqual([200, { isp: 'isp-a', rows: 2, created: 2, updated: 0 }]);
    const again = await importAs(admin, { format: 'csv', body: csv(row('a1')), isp: 'isp-a' });
    expect(again.json()).toMatchObject({ created: 0, updated: 1 });
    expect((await importAs(admin, { format: 'json', body: json('b1'), isp: 'isp-b' })).statusCode).toBe(200);
  });

  test('an ISP sees only its own subscribers; an admin sees all', async () => {
    expect(ids(await get(ispA, '/api/subscribers'))).toEqual(['isp-a/a1', 'isp-a/a2']);
    expect(ids(await get(ispB, '/api/subscribers'))).toEqual(['isp-b/b1']);
    expect(ids(await get(admin, '/api/subscribers?limit=2'))).toEqual(['isp-a/a1', 'isp-a/a2']);
    expect(ids(await get(admin, '/api/subscribers?q=b'))).toEqual(['isp-b/b1']);
    expect(ids(await get(admin, '/api/subscribers?isp=isp-b'))).toEqual(['isp-b/b1']);
    const shown = (await get(ispA, '/api/subscribers/isp-a/a2')).json().subscriber;
    expect(shown).toMatchObject({
      name: NAME,
      documentNumber: DOCUMENT,
      phone: '+3725551234',
      updatedBy: 'anna',
    });
    expect((await get(admin, '/api/subscribers/isp-b/b1')).json().subscriber.name).toBe('Jaan Tamm');
  });

  test.each([
    [
      'show another ISP’s subscriber',
      'GET',
      '/api/subscribers/isp-b/b1',
      undefined,
      404,
      'GH_ERR_SUBSCRIBER_NOT_FOUND',
    ],
    [
      'show one that does not exist',
      'GET',
      '/api/subscribers/isp-a/zz',
      undefined,
      404,
      'GH_ERR_SUBSCRIBER_NOT_FOUND',
    ],
    ['list another ISP', 'GET', '/api/subscribers?isp=isp-b', undefined, 403, 'GH_ERR_SUBSCRIBER_SCOPE'],
    [
      'import for another ISP',
      'POST',
      '/api/subscribers/import',
      { format: 'csv', body: csv(row('x')), isp: 'isp-b' },
      403,
      'GH_ERR_SUBSCRIBER_SCOPE',
    ],
  ])('an ISP cannot %s', async (_, method, url, payload, status, code) => {
    const res = await bench.call(ispA, { method: method as 'GET', url, ...(payload ? { payload } : {}) });
    expect([res.statusCode, res.json().code]).toEqual([status, code]);
    expect(ids(await get(admin, '/api/subscribers?isp=isp-b'))).toEqual(['isp-b/b1']);
  });

  test.each([
    [
      'an unknown field',
      'isp',
      { format: 'csv', body: csv(row('c1')), colour: 'red' },
      'GH_ERR_API_VALIDATION',
    ],
    ['a missing body', 'isp', { format: 'csv' }, 'GH_ERR_API_VALIDATION'],
    ['an unknown format', 'isp', { format: 'xml', body: '<x/>' }, 'GH_ERR_API_VALIDATION'],
    ['no ISP from an admin', 'admin', { format: 'csv', body: csv(row('c1')) }, 'GH_ERR_API_VALIDATION'],
    [
      'a bad row (all or nothing)',
      'isp',
      { format: 'csv', body: csv(row('c1'), row('bad id')) },
      'GH_ERR_SUBSCRIBER_INVALID',
    ],
  ])('an import with %s is refused', async (_, who, payload, code) => {
    const res = await importAs(who === 'admin' ? admin : ispA, payload);
    expect([res.statusCode, res.json().code]).toEqual([400, code]);
    expect(ids(await get(admin, '/api/subscribers?q=c'))).toEqual([]);
  });

  test('an import may use the upload limit, not the smaller body limit', async () => {
    const big = `${csv(row('d1'))}\r\n${'x'.repeat(1.5 * (1 << 20))}`;
    expect((await importAs(ispA, { format: 'csv', body: big })).json().code).toBe(
      'GH_ERR_SUBSCRIBER_INVALID',
    );
    const huge = await importAs(ispA, { format: 'csv', body: 'x'.repeat(5 << 20) });
    expect([huge.statusCode, huge.json().code]).toEqual([413, 'GH_ERR_API_BODY_TOO_LARGE']);
  });

  test('disconnects are scoped too', async () => {
    const made = await bench.call(operator, {
      method: 'POST',
      url: '/api/orders',
      payload: {
        title: 'Disconnect',
        authority: { name: 'District Court', kind: 'court' },
        legalBasis: { instrument: 'Electronic Communications Act', article: '§ 114' },
        decisionRef: 'DC-9',
        scope: { kind: 'national' },
        action: { kind: 'disconnect' },
        disclosure: { notice: 'Disconnected by court order', appeal: ['mailto:appeals@court.example'] },
        expiresAt: bench.now() + 86_400_000,
        targets: ['subscriber:isp-a/a1', 'subscriber:isp-b/b1'],
      },
    });
    const orderId = made.json().order.id as number;
    for (const [isp, subscriber] of [
      ['isp-a', 'a1'],
      ['isp-b', 'b1'],
    ]) {
      await bench.store.subscribers.claimDisconnect(
        {
          orderId,
          isp,
          subscriber,
          nas: 'nas',
          sessionId: `S-${subscriber}`,
          framedIp: null,
          nasAddress: '127.0.0.1:3799',
        },
        'system',
      );
    }
    const mine = (await get(ispA, `/api/subscribers/disconnects?order=${orderId}`)).json().disconnects;
    expect(mine.map((d: { isp: string; status: string }) => `${d.isp} ${d.status}`)).toEqual([
      'isp-a sending',
    ]);
    expect((await get(admin, '/api/subscribers/disconnects')).json().disconnects).toHaveLength(2);
  });

  test('identity fields never reach the log', () => {
    const text = logs.join('');
    expect(text).toContain('/api/subscribers');
    for (const secret of [NAME, DOCUMENT, '5551234', 'Tallinn', 'Jaan Tamm', '38001010000'])
      expect(text).not.toContain(secret);
  });
});

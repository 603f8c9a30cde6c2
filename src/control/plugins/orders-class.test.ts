/** Orders on destination classes through the API: validation codes, storage, explain. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Bench, type Client, createBench } from '../testing.js';

let bench: Bench;
let bare: Bench;
let olga: Client;
let judge: Client;
let bareOlga: Client;

const THROTTLE = { kind: 'throttle', bytesPerSecond: 65536 };
const order = (now: number, action: unknown, targets: string[]) => ({
  title: 'Slow international traffic',
  authority: { name: 'District Court', kind: 'court' },
  legalBasis: { instrument: 'Telecoms Act', article: '§ 9' },
  decisionRef: '2-26-4',
  scope: { kind: 'national' },
  action,
  disclosure: { notice: 'Slowed by court order', appeal: ['mailto:appeals@court.example'] },
  expiresAt: now + 86_400_000,
  targets,
});

beforeAll(async () => {
  bench = await createBench({ settings: { domesticPrefixes: ['192.0.2.0/24'] } });
  olga = await bench.user('olga', ['operator']);
  judge = await bench.user('judge', ['approver']);
  bare = await createBench();
  bareOlga = await bare.user('olga', ['operator']);
});
afterAll(async () => {
  await bench.close();
  await bare.close();
});

describe('class targets through the API', () => {
  test('a throttle on class:international is stored, approved and explained', async () => {
    const payload = order(bench.now(), THROTTLE, ['Class:International']);
    const made = await bench.call(olga, { method: 'POST', url: '/api/orders', payload });
    expect(made.statusCode).toBe(201);
    const id = made.json().order.id as number;
    const shown = await bench.call(olga, { method: 'GET', url: `/api/orders/${id}` });
    expect(shown.json().targets).toEqual(['class:international']);
    await bench.call(olga, { method: 'POST', url: `/api/orders/${id}/submit` });
    const approved = await bench.call(judge, { method: 'POST', url: `/api/orders/${id}/approve` });
    expect(approved.json().order.status).toBe('active');
    await bench.feed.refresh();
    const foreign = (await bench.call(olga, { method: 'GET', url: '/api/explain?q=198.51.100.7' })).json();
    expect(foreign.decision).toMatchObject({ action: 'throttle', orderId: id, reason: 'destination-class' });
    expect(foreign.rule).toEqual({ kind: 'class', value: 'international' });
    expect(foreign.explanation).toContain('applies to international destinations');
    const home = (await bench.call(olga, { method: 'GET', url: '/api/explain?q=192.0.2.9' })).json();
    expect(home.decision.action).toBe('none');
    // A name is not a destination until resolved: no class, no match.
    const name = (await bench.call(olga, { method: 'GET', url: '/api/explain?q=example.org' })).json();
    expect(name.decision.action).toBe('none');
  });

  test.each([
    {
      name: 'an unknown class',
      action: THROTTLE,
      target: 'class:abroad',
      code: 'GH_ERR_TARGET_CLASS_UNKNOWN',
    },
    {
      name: 'a safe-search order on a class',
      action: { kind: 'safe-search' },
      target: 'class:international',
      code: 'GH_ERR_TARGET_CLASS_ACTION',
    },
    {
      name: 'a DNS answer modifier on a class',
      action: { kind: 'block' },
      target: 'class:international$nxdomain',
      code: 'GH_ERR_ORDER_INVALID',
    },
  ])('refuses $name with 400 $code', async ({ action, target, code }) => {
    const payload = order(bench.now(), action, [target]);
    const res = await bench.call(olga, { method: 'POST', url: '/api/orders', payload });
    expect([res.statusCode, res.json().code]).toEqual([400, code]);
  });

  test('refuses a class target with 409 when no domestic prefixes are configured', async () => {
    const payload = order(bare.now(), THROTTLE, ['class:international']);
    const res = await bare.call(bareOlga, { method: 'POST', url: '/api/orders', payload });
    expect([res.statusCode, res.json().code]).toEqual([409, 'GH_ERR_TARGET_CLASS_UNCONFIGURED']);
  });
});

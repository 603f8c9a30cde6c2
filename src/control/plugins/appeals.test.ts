/** Appeals over the API: listed, read without the contact by auditors, decided once, audited. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Bench, type Client, createBench } from '../testing.js';

let bench: Bench;
let olga: Client;
let judge: Client;
let auditor: Client;
let ref: string;
let other: string;

beforeAll(async () => {
  bench = await createBench();
  olga = await bench.user('olga', ['operator']);
  judge = await bench.user('judge', ['approver']);
  auditor = await bench.user('audrey', ['auditor']);
  const order = await bench.call(olga, {
    method: 'POST',
    url: '/api/orders',
    payload: {
      title: 'Unlicensed gambling',
      authority: { name: 'District Court', kind: 'court' },
      legalBasis: { instrument: 'Gambling Act', article: '§ 56' },
      decisionRef: '2-26-1234',
      scope: { kind: 'national' },
      action: { kind: 'block' },
      disclosure: { notice: 'Blocked by court order', appeal: ['mailto:appeals@court.example'] },
      expiresAt: bench.now() + 86_400_000,
      targets: ['casino.example'],
    },
  });
  const orderId = order.json().order.id as number;
  const file = (contact: string | null) =>
    bench.store.appeals.file({ orderId, appellant: 'site-owner', contact, grounds: 'We hold a licence.' });
  ref = (await file('owner@casino.example')).ref;
  other = (await file(null)).ref;
});
afterAll(() => bench.close());

const get = (who: Client, url: string) => bench.call(who, { method: 'GET', url });
const decide = (who: Client, r: string, payload: Record<string, unknown>) =>
  bench.call(who, { method: 'POST', url: `/api/appeals/${r}/decide`, payload });

describe('appeals', () => {
  test('operators see the contact; auditors read every appeal without it', async () => {
    const mine = (await get(olga, '/api/appeals?status=filed')).json().appeals;
    expect(mine.map((a: { ref: string }) => a.ref).sort()).toEqual([ref, other].sort());
    expect(mine.find((a: { ref: string }) => a.ref === ref).contact).toBe('owner@casino.example');
    const theirs = (await get(auditor, '/api/appeals')).json().appeals;
    expect(theirs).toHaveLength(2);
    expect(theirs.every((a: object) => !('contact' in a))).toBe(true);
    const one = (await get(auditor, `/api/appeals/${ref}`)).json().appeal;
    expect(one).toMatchObject({ ref, status: 'filed', grounds: 'We hold a licence.' });
    expect(one).not.toHaveProperty('contact');
  });

  test('is decided once, with a reason, and the decision is audited', async () => {
    const done = await decide(judge, ref, { outcome: 'upheld', reason: 'The licence is valid.' });
    expect(done.statusCode).toBe(200);
    expect(done.json().appeal).toMatchObject({
      status: 'upheld',
      decidedBy: 'judge',
      reason: 'The licence is valid.',
    });
    const again = await decide(olga, ref, { outcome: 'rejected', reason: 'second thoughts' });
    expect([again.statusCode, again.json().code]).toEqual([409, 'GH_ERR_APPEAL_STATE']);
    expect(
      (await get(auditor, '/api/appeals?status=upheld')).json().appeals.map((a: { ref: string }) => a.ref),
    ).toEqual([ref]);
    const id = (await get(olga, `/api/appeals/${ref}`)).json().appeal.id as number;
    const trail = (await get(auditor, `/api/audit?object=appeal/${id}`)).json().entries;
    expect(trail.map((e: { actor: string; action: string }) => `${e.actor} ${e.action}`)).toEqual([
      'public appeal.file',
      'judge appeal.decide',
    ]);
    expect(JSON.stringify(trail)).not.toContain('owner@casino.example');
  });

  test.each([
    ['an unknown outcome', { outcome: 'maybe', reason: 'x' }, 400, 'GH_ERR_API_VALIDATION'],
    ['no reason', { outcome: 'rejected' }, 400, 'GH_ERR_API_VALIDATION'],
    ['an empty reason', { outcome: 'rejected', reason: '' }, 400, 'GH_ERR_API_VALIDATION'],
    ['an unknown field', { outcome: 'rejected', reason: 'x', colour: 'red' }, 400, 'GH_ERR_API_VALIDATION'],
  ])('refuses a decision with %s', async (_, payload, status, code) => {
    const res = await decide(olga, other, payload);
    expect([res.statusCode, res.json().code]).toEqual([status, code]);
  });

  test.each([
    ['a malformed reference', 'GET', '/api/appeals/nope', 400, 'GH_ERR_API_VALIDATION'],
    [
      'an unknown reference',
      'GET',
      '/api/appeals/aaaa-aaaa-aaaa-aaaa-aaaa-aaaa',
      404,
      'GH_ERR_APPEAL_NOT_FOUND',
    ],
    ['an unknown status', 'GET', '/api/appeals?status=pending', 400, 'GH_ERR_API_VALIDATION'],
  ])('answers %s', async (_, method, url, status, code) => {
    const res = await bench.call(olga, { method: method as 'GET', url });
    expect([res.statusCode, res.json().code]).toEqual([status, code]);
  });

  test('an auditor cannot decide', async () => {
    const res = await decide(auditor, other, { outcome: 'rejected', reason: 'x' });
    expect([res.statusCode, res.json().code]).toEqual([403, 'GH_ERR_AUTH_FORBIDDEN']);
    expect((await get(olga, `/api/appeals/${other}`)).json().appeal.status).toBe('filed');
  });
});

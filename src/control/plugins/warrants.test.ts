/** The warrant flow over the API: two people, execution, audited exports, notification, auditors. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dnsRecordAt, flowRecordAt } from '../../records/sinks/records.fixture.js';
import { createSqliteSink, recordsDbPath } from '../../records/sinks/sqlite.js';
import { type Bench, type Client, createBench } from '../testing.js';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 1);

let dir: string;
let bench: Bench;
let olga: Client;
let judge: Client;
let auditor: Client;

const request = (extra: Record<string, unknown> = {}) => ({
  authority: 'Central Criminal Police',
  reference: 'CCP-2026-17',
  crimeCategory: 'kidnapping',
  target: { kind: 'destination', name: 'target.example' },
  from: START - 2 * HOUR,
  to: START - 60_000,
  justification: 'Ransom demands sent to this site',
  ...extra,
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gh-api-warrants-'));
  const sink = createSqliteSink({ path: recordsDbPath(dir) });
  sink.dns.write([
    { ...dnsRecordAt(1), time: START - HOUR, qname: 'www.target.example', clientAddress: '192.0.2.7' },
    { ...dnsRecordAt(2), time: START - HOUR, qname: 'other.example' },
    { ...dnsRecordAt(3), time: START - 3 * HOUR, qname: 'target.example' },
  ]);
  sink.flows.write([
    {
      ...flowRecordAt(1),
      start: START - 30 * 60_000,
      end: START - 29 * 60_000,
      destinationName: 'target.example',
    },
  ]);
  sink.close();
  bench = await createBench({
    settings: {
      dataDir: dir,
      access: {
        crimeCategories: ['kidnapping', 'terrorism'],
        maxWindow: 90 * 86_400_000,
        urgentReviewHours: 24,
        // Due at once, so `?overdue=1` lists it without moving the clock past the sessions.
        notificationDeferralDays: 0,
        maxResults: 1000,
      },
    },
  });
  olga = await bench.user('olga', ['operator', 'approver']);
  judge = await bench.user('judge', ['approver']);
  auditor = await bench.user('audrey', ['auditor']);
});
afterAll(async () => {
  await bench.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (who: Client, url: string, payload?: unknown) =>
  bench.call(who, { method: 'POST', url, ...(payload === undefined ? {} : { payload: payload as object }) });
const get = (who: Client, url: string) => bench.call(who, { method: 'GET', url });

describe('a warrant', () => {
  test('is requested, approved by another person, executed, exported, audited and notified', async () => {
    const made = await post(olga, '/api/warrants', request());
    expect(made.statusCode).toBe(201);
    const w = made.json().warrant;
    expect(w).toMatchObject({ status: 'requested', requestedBy: 'olga', urgency: 'normal' });
    const id = w.id as number;

    const self = await post(olga, `/api/warrants/${id}/approve`, {});
    expect([self.statusCode, self.json().code]).toEqual([403, 'GH_ERR_WARRANT_SELF_APPROVAL']);
    expect(self.headers['content-type']).toMatch(/^application\/problem\+json/);
    const early = await post(olga, `/api/warrants/${id}/execute`);
    expect([early.statusCode, early.json().code]).toEqual([409, 'GH_ERR_WARRANT_STATE']);

    const approved = await post(judge, `/api/warrants/${id}/approve`, { reason: 'proportionate' });
    expect(approved.json().warrant).toMatchObject({
      status: 'approved',
      decidedBy: 'judge',
      decisionReason: 'proportionate',
    });
    const ran = await post(olga, `/api/warrants/${id}/execute`);
    expect(ran.statusCode).toBe(200);
    expect(ran.json().warrant).toMatchObject({ status: 'executed', resultCount: 2, executedBy: 'olga' });

    const json = await get(olga, `/api/warrants/${id}/results?format=json`);
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.json()).toMatchObject({ count: 2, sha256: ran.json().warrant.resultSha256 });
    expect(json.json().records.map((r: { kind: string }) => r.kind)).toEqual(['dns', 'flow']);

    const csv = await get(judge, `/api/warrants/${id}/results?format=csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="warrant-${id}-results.csv"`);
    expect(csv.headers['x-gatehouse-results-sha256']).toBe(ran.json().warrant.resultSha256);
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^kind,time,end,client_address,/);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['dns', 'flow']);

    const due = await get(auditor, '/api/warrants/notifications?overdue=1');
    expect(due.json().warrants.map((x: { id: number }) => x.id)).toEqual([id]);
    const told = await post(olga, `/api/warrants/${id}/notified`, { note: 'letter sent' });
    expect(told.json().warrant).toMatchObject({ notifiedBy: 'olga', notifyNote: 'letter sent' });
    expect((await get(olga, '/api/warrants/notifications?overdue=1')).json().warrants).toEqual([]);

    const trail = await get(auditor, `/api/audit?object=warrant/${id}`);
    expect(
      trail.json().entries.map((e: { actor: string; action: string }) => `${e.actor} ${e.action}`),
    ).toEqual([
      'olga warrant.request',
      'judge warrant.approve',
      'olga warrant.execute',
      'olga warrant.results',
      'judge warrant.results',
      'olga warrant.notified',
    ]);
  });

  test('shows auditors metadata only, and never its results', async () => {
    const id = (await post(olga, '/api/warrants', request())).json().warrant.id as number;
    await post(judge, `/api/warrants/${id}/approve`);
    await post(olga, `/api/warrants/${id}/execute`);
    const seen = (await get(auditor, `/api/warrants/${id}`)).json().warrant;
    expect(seen).toMatchObject({ id, authority: 'Central Criminal Police', resultCount: 2 });
    expect(seen.target).toEqual({ kind: 'destination' });
    const listed = (await get(auditor, '/api/warrants?status=executed')).json().warrants;
    expect(listed.every((w: { target: object }) => Object.keys(w.target).join() === 'kind')).toBe(true);
    expect((await get(olga, `/api/warrants/${id}`)).json().warrant.target).toEqual({
      kind: 'destination',
      name: 'target.example',
    });
    const results = await get(auditor, `/api/warrants/${id}/results`);
    expect([results.statusCode, results.json().code]).toEqual([403, 'GH_ERR_AUTH_FORBIDDEN']);
  });

  test('urgent: executed before approval, then reviewed; a refusal on review seals the results', async () => {
    for (const outcome of ['approved', 'refused'] as const) {
      const id = (await post(olga, '/api/warrants', request({ urgency: 'urgent' }))).json().warrant.id;
      expect((await post(olga, `/api/warrants/${id}/execute`)).json().warrant.reviewDue).toBe(
        bench.now() + 24 * HOUR,
      );
      const reviewed = await post(judge, `/api/warrants/${id}/review`, { outcome, reason: 'checked' });
      expect(reviewed.json().warrant.decision).toBe(outcome);
      const read = await get(olga, `/api/warrants/${id}/results`);
      if (outcome === 'approved') expect(read.statusCode).toBe(200);
      else expect([read.statusCode, read.json().code]).toEqual([403, 'GH_ERR_WARRANT_SEALED']);
    }
  });

  test('is refused with a reason, and then cannot run', async () => {
    const id = (await post(olga, '/api/warrants', request())).json().warrant.id;
    const refused = await post(judge, `/api/warrants/${id}/refuse`, { reason: 'not proportionate' });
    expect(refused.json().warrant).toMatchObject({ status: 'refused', decisionReason: 'not proportionate' });
    const run = await post(olga, `/api/warrants/${id}/execute`);
    expect([run.statusCode, run.json().code]).toEqual([409, 'GH_ERR_WARRANT_STATE']);
  });
});

describe('refuses', () => {
  const { justification: _, ...noJustification } = request();
  test.each([
    [
      'an unknown field',
      'POST',
      '/api/warrants',
      { ...request(), colour: 'red' },
      400,
      'GH_ERR_API_VALIDATION',
    ],
    ['a missing field', 'POST', '/api/warrants', noJustification, 400, 'GH_ERR_API_VALIDATION'],
    [
      'an unknown target field',
      'POST',
      '/api/warrants',
      request({ target: { kind: 'address', address: '192.0.2.7', port: 1 } }),
      400,
      'GH_ERR_API_VALIDATION',
    ],
    [
      'a subscriber target without its id',
      'POST',
      '/api/warrants',
      request({ target: { kind: 'subscriber', isp: 'isp-a' } }),
      400,
      'GH_ERR_WARRANT_INVALID',
    ],
    [
      'a crime not in the catalogue',
      'POST',
      '/api/warrants',
      request({ crimeCategory: 'littering' }),
      400,
      'GH_ERR_WARRANT_INVALID',
    ],
    ['a refusal without a reason', 'POST', '/api/warrants/1/refuse', {}, 400, 'GH_ERR_API_VALIDATION'],
    [
      'an unknown review outcome',
      'POST',
      '/api/warrants/1/review',
      { outcome: 'maybe' },
      400,
      'GH_ERR_API_VALIDATION',
    ],
    [
      'an unknown export format',
      'GET',
      '/api/warrants/1/results?format=xml',
      undefined,
      400,
      'GH_ERR_API_VALIDATION',
    ],
    ['an unknown warrant', 'GET', '/api/warrants/999', undefined, 404, 'GH_ERR_WARRANT_NOT_FOUND'],
  ])('%s', async (_, method, url, payload, status, code) => {
    const who = url.endsWith('/refuse') || url.endsWith('/review') ? judge : olga;
    const res = await bench.call(who, {
      method: method as 'GET',
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    expect([res.statusCode, res.json().code]).toEqual([status, code]);
  });
});

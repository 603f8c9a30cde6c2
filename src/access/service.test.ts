import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { createPseudonymiser, destroyEpochKey } from '../records/pseudonym.js';
import { EPOCH_MS } from '../records/pseudonym-lookup.js';
import { dnsRecordAt, flowRecordAt } from '../records/sinks/records.fixture.js';
import { createSqliteSink, recordsDbPath } from '../records/sinks/sqlite.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { type Actor, createWarrantService, type WarrantService } from './service.js';

const E = 20_500; // an epoch
const T = (epoch: number, ms: number) => epoch * EPOCH_MS + ms;
const NOW = T(E + 3, 0);
const olga: Actor = { name: 'olga', roles: ['operator'] };
const judy: Actor = { name: 'judy', roles: ['approver'] };
const audrey: Actor = { name: 'audrey', roles: ['auditor'] };

let dir: string;
let store: Store;
let service: WarrantService;
const pseudo: Record<number, string> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gh-warrant-service-'));
  const keyDir = join(dir, 'keys', 'pseudonym');
  for (const e of [E, E + 1, E + 2]) {
    pseudo[e] = createPseudonymiser({ keyDir, now: () => T(e, 0) }).pseudonym('isp-a', 'sub-42');
  }
  destroyEpochKey(keyDir, E + 2); // retention destroyed the third day's key
  const other = createPseudonymiser({ keyDir, now: () => T(E, 0) }).pseudonym('isp-a', 'sub-7');
  const sink = createSqliteSink({ path: recordsDbPath(dir) });
  const dns = (i: number, time: number, subscriber: string, qname: string, clientAddress = '192.0.2.7') => ({
    ...dnsRecordAt(i),
    time,
    subscriber,
    qname,
    clientAddress,
  });
  sink.dns.write([
    dns(1, T(E, 1000), pseudo[E], 'in-window.example'),
    dns(2, T(E + 1, 5), pseudo[E + 1], 'www.target.example'),
    dns(3, T(E + 2, 5), pseudo[E + 2], 'unlinkable.example'),
    dns(4, T(E, 2000), other, 'target.example', '192.0.2.8'),
    dns(5, T(E - 1, 5), pseudo[E - 1] ?? 'p0-aaaaaaaaaaaaaaaaaaaa', 'before.example'),
    dns(6, T(E, 3000), other, 'nottarget.example', '192.0.2.8'),
  ]);
  sink.flows.write([
    {
      ...flowRecordAt(1),
      start: T(E, 10),
      end: T(E, 20),
      subscriber: pseudo[E],
      destinationName: 'x.target.example',
    },
    { ...flowRecordAt(3), start: T(E + 2, 0) + 2 * EPOCH_MS, end: NOW + 5, subscriber: pseudo[E] },
  ]);
  sink.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  const config = loadConfig({ overrides: { dataDir: dir } });
  service = createWarrantService({ store, access: config.access, dataDir: dir, clock: () => NOW });
});

const request = (target: unknown, from = T(E, 0), to = T(E + 3, 0)) =>
  service.request(olga, {
    authority: 'Police',
    reference: 'R-1',
    crimeCategory: 'terrorism',
    target,
    from,
    to,
    justification: 'why',
  });

async function run(target: unknown, from?: number, to?: number) {
  const w = await request(target, from, to);
  await service.approve(judy, w.id);
  const done = await service.execute(olga, w.id);
  const json = JSON.parse((await service.results(olga, w.id, 'json')).body);
  return {
    done,
    names: json.records.map(
      (r: { record: { qname?: string; destinationName?: string } }) =>
        r.record.qname ?? r.record.destinationName,
    ),
  };
}

describe('warrant service: the scoped query', () => {
  it('maps a subscriber to each epoch’s pseudonym and reports the epoch whose key is gone', async () => {
    const { done, names } = await run({ kind: 'subscriber', isp: 'isp-a', subscriber: 'sub-42' });
    expect(names).toEqual(['x.target.example', 'in-window.example', 'www.target.example']);
    expect(done.unlinkableEpochs).toEqual([E + 2]);
    expect(done).toMatchObject({ resultCount: 3, status: 'executed' });
  });

  it('keeps strictly to the window', async () => {
    const { names } = await run(
      { kind: 'subscriber', isp: 'isp-a', subscriber: 'sub-42' },
      T(E, 500),
      T(E, 1001),
    );
    expect(names).toEqual(['in-window.example']);
  });

  it.each([
    ['a pseudonym', { kind: 'pseudonym', pseudonym: '' }, ['x.target.example', 'in-window.example']],
    [
      'a destination and below it',
      { kind: 'destination', name: 'target.example' },
      ['x.target.example', 'target.example', 'www.target.example'],
    ],
    ['an address', { kind: 'address', address: '192.0.2.8' }, ['target.example', 'nottarget.example']],
  ])('finds the records of %s', async (_, target, expected) => {
    const t = target.kind === 'pseudonym' ? { ...target, pseudonym: pseudo[E] } : target;
    expect((await run(t)).names).toEqual(expected);
  });

  it('exports CSV with a header and one row per record', async () => {
    const w = await request({ kind: 'address', address: '192.0.2.8' });
    await service.approve(judy, w.id);
    await service.execute(olga, w.id);
    const csv = await service.results(judy, w.id, 'csv');
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^kind,time,end,client_address,/);
    expect(lines).toHaveLength(3);
    expect(csv.count).toBe(2);
    await expect(service.results(olga, w.id, 'xml' as 'csv')).rejects.toMatchObject({
      code: 'GH_ERR_EXPORT_FORMAT',
    });
  });
});

describe('warrant service: roles and deadlines', () => {
  it.each([
    ['request as an approver', () => service.request(judy, {})],
    ['approve as an operator', () => service.approve(olga, 1)],
    ['refuse as an auditor', () => service.refuse(audrey, 1, 'no')],
    ['execute as an approver', () => service.execute(judy, 1)],
    ['read results as an auditor', () => service.results(audrey, 1, 'json')],
    ['mark notified as an approver', () => service.notified(judy, 1)],
  ])('refuses to %s', async (_, act) => {
    await expect(act()).rejects.toMatchObject({ code: 'GH_ERR_WARRANT_ROLE' });
  });

  it('refuses an invalid request with every issue, and saves nothing', async () => {
    await expect(service.request(olga, { authority: 'Police' })).rejects.toMatchObject({
      code: 'GH_ERR_WARRANT_INVALID',
      details: expect.arrayContaining(['reference: required', 'target: required']),
    });
    expect(await service.list(audrey)).toEqual([]);
  });

  it('reviews an urgent execution, and refuses a review of anything else', async () => {
    const w = await service.request(olga, {
      authority: 'Police',
      reference: 'R-2',
      crimeCategory: 'kidnapping',
      target: { kind: 'address', address: '192.0.2.8' },
      from: T(E, 0),
      to: T(E + 1, 0),
      justification: 'a life at risk',
      urgency: 'urgent',
    });
    const ran = await service.execute(olga, w.id);
    expect(ran.reviewDue).toBe(NOW + 24 * 3_600_000);
    expect(ran.notifyDue).toBe(NOW + 90 * EPOCH_MS);
    expect((await service.results(olga, w.id, 'json')).count).toBe(2);
    const reviewed = await service.review(judy, w.id, 'refused', 'not urgent');
    expect(reviewed).toMatchObject({ status: 'refused', sealReason: 'refused' });
    await expect(service.results(olga, w.id, 'json')).rejects.toMatchObject({
      code: 'GH_ERR_WARRANT_SEALED',
    });
    await expect(service.review(judy, w.id, 'approved')).rejects.toMatchObject({
      code: 'GH_ERR_WARRANT_STATE',
    });
    expect((await service.notifications(audrey)).map((x) => x.id)).toEqual([w.id]);
    expect(await service.notifications(audrey, { overdue: true })).toEqual([]);
    expect((await service.stats())[0]).toMatchObject({ requested: 1, executed: 1, refused: 1 });
  });
});

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/types.js';
import { createSubscriberService } from './service.js';

const dir = mkdtempSync(join(tmpdir(), 'gh-subscribers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HEADER = 'id,name,document_type,document_number,address,phone,verified_at,verification_method';
const csv = (...rows: string[]) => [HEADER, ...rows].join('\r\n');
const row = (id: string, name = 'Mari Maasikas') =>
  `${id},${name},passport,AB123456,"Tänav 1\nTallinn",+3725551234,2026-01-15,in-person`;

let file: string;
let store: Store;
let n = 0;
beforeEach(async () => {
  file = join(dir, `s${n++}.db`);
  store = await openStore(`sqlite:${file}`);
});
afterEach(() => store.close());

const service = (env: Record<string, string> = {}) =>
  createSubscriberService({
    repository: store.subscribers,
    keySource: { keyFile: join(dir, `k${n}.key`), env },
  });

describe('subscriber service', () => {
  it('imports, re-imports (upsert) and shows records sealed at rest', async () => {
    const svc = service();
    expect(
      await svc.import(null, { isp: 'isp-a', format: 'csv', body: csv(row('s1'), row('s2')) }, 'alice'),
    ).toEqual({
      isp: 'isp-a',
      rows: 2,
      created: 2,
      updated: 0,
    });
    await svc.import('isp-a', { isp: 'isp-a', format: 'csv', body: csv(row('s2', 'Jaan Tamm')) }, 'ispuser');
    const s2 = await svc.show(null, 'isp-a', 's2');
    expect(s2).toMatchObject({
      name: 'Jaan Tamm',
      address: 'Tänav 1\nTallinn',
      phone: '+3725551234',
      updatedBy: 'ispuser',
    });
    expect((await svc.list('isp-a')).map((s) => s.name)).toEqual(['Mari Maasikas', 'Jaan Tamm']);
    const raw = new Database(file, { readonly: true });
    const dump = JSON.stringify(raw.prepare('select * from subscribers').all());
    raw.close();
    expect(dump).not.toContain('Maasikas');
    expect(dump).not.toContain('AB123456');
    expect(dump).not.toContain('Tallinn');
  });

  it('keeps an ISP user to its own ISP, without revealing others', async () => {
    const svc = service();
    await svc.import(null, { isp: 'isp-b', format: 'csv', body: csv(row('s1')) }, 'alice');
    await expect(
      svc.import('isp-a', { isp: 'isp-b', format: 'csv', body: csv(row('s9')) }, 'eve'),
    ).rejects.toMatchObject({
      code: 'GH_ERR_SUBSCRIBER_SCOPE',
    });
    await expect(svc.show('isp-a', 'isp-b', 's1')).rejects.toMatchObject({
      code: 'GH_ERR_SUBSCRIBER_NOT_FOUND',
    });
    expect(await svc.list('isp-a')).toEqual([]);
  });

  it('imports nothing when one row is bad', async () => {
    const svc = service();
    const body = csv(row('s1'), 'bad id,N,passport,1,A,+3725551234,2026-01-01,eid');
    await expect(svc.import(null, { isp: 'isp-a', format: 'csv', body }, 'alice')).rejects.toMatchObject({
      code: 'GH_ERR_SUBSCRIBER_INVALID',
      details: [expect.stringMatching(/^line 4: id: /)],
    });
    expect(await store.subscribers.count(null)).toBe(0);
  });

  it('refuses a wrong key before reading or writing anything', async () => {
    const first = { GATEHOUSE_IDENTITY_KEY: randomBytes(32).toString('hex') };
    await service(first).import(null, { isp: 'isp-a', format: 'csv', body: csv(row('s1')) }, 'alice');
    const wrong = service({ GATEHOUSE_IDENTITY_KEY: randomBytes(32).toString('hex') });
    const before = (await store.audit.head()).seq;
    for (const act of [
      () => wrong.show(null, 'isp-a', 's1'),
      () => wrong.list(null),
      () => wrong.import(null, { isp: 'isp-a', format: 'csv', body: csv(row('s2')) }, 'alice'),
    ]) {
      await expect(act()).rejects.toMatchObject({ code: 'GH_ERR_IDENTITY_KEY_WRONG' });
    }
    expect(await store.subscribers.count(null)).toBe(1);
    expect((await store.audit.head()).seq).toBe(before);
  });

  it('detects a sealed field swapped between rows', async () => {
    const svc = service();
    await svc.import(
      null,
      { isp: 'isp-a', format: 'csv', body: csv(row('s1', 'Alpha'), row('s2', 'Beta')) },
      'alice',
    );
    await store.close();
    const raw = new Database(file);
    const beta = raw.prepare("select name_sealed from subscribers where id = 's2'").get() as {
      name_sealed: string;
    };
    raw.prepare("update subscribers set name_sealed = ? where id = 's1'").run(beta.name_sealed);
    raw.close();
    store = await openStore(`sqlite:${file}`);
    const again = createSubscriberService({
      repository: store.subscribers,
      keySource: { keyFile: join(dir, `k${n}.key`), env: {} },
    });
    await expect(again.show(null, 'isp-a', 's1')).rejects.toMatchObject({ code: 'GH_ERR_IDENTITY_TAMPERED' });
    expect((await again.show(null, 'isp-a', 's2')).name).toBe('Beta');
  });
});

/**
 * Subscriber identity records through the real `gatehouse` command: import a CSV with quoted commas
 * and line breaks, re-import (upsert), list and show; bad rows refused with their line numbers and
 * nothing imported; the key file created 0600 on first use; a wrong or missing key refused.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHome, type GatehouseHome } from '../helpers/gateway.js';

const BIN = resolve(import.meta.dirname, '../../bin/gatehouse.js');
let home: GatehouseHome;

/** Runs the CLI; resolves with exit code, stdout and stderr (never rejects). */
function gatehouse(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(
      'node',
      [BIN, ...args],
      { env: { ...process.env, GATEHOUSE_DATA: join(home.dir, 'data'), GATEHOUSE_USER: 'alice', ...env } },
      (error, out, err) => done({ code: error ? Number(error.code ?? 1) : 0, out, err }),
    );
  });
}

const HEADER = 'id,name,document_type,document_number,address,phone,verified_at,verification_method';
const file = (name: string, text: string) => {
  const path = join(home.dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(() => {
  home = createHome();
});
afterAll(() => home?.cleanup());

describe('gatehouse subscribers', () => {
  it('imports a CSV (RFC 4180 quoting), creating the key file 0600', async () => {
    const csv = file(
      'isp-a.csv',
      `${HEADER}\r\nsub-1,"Maasikas, Mari",passport,AB123456,"Tänav 1\r\nTallinn",+372 555 1234,2026-01-15,in-person\r\nsub-2,Jaan Tamm,national-id,38001010000,Pikk 2,+3725550000,2026-02-01,eid\r\n`,
    );
    const r = await gatehouse(['subscribers', 'import', csv, '--isp', 'isp-a']);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/imported 2 subscriber\(s\) for isp-a: 2 new, 0 updated/);
    expect(statSync(join(home.dir, 'data', 'keys', 'identity.key')).mode & 0o777).toBe(0o600);
  });

  it('re-imports JSON as an update, and shows the record opened', async () => {
    const json = file(
      'update.json',
      JSON.stringify([
        {
          id: 'sub-2',
          name: 'Jaan Tamm',
          documentType: 'passport',
          documentNumber: 'K0000001',
          address: 'Pikk 3',
          phone: '+3725550001',
          verifiedAt: '2026-03-01',
          verificationMethod: 'video',
        },
      ]),
    );
    expect((await gatehouse(['subscribers', 'import', json, '--isp', 'isp-a'])).out).toMatch(
      /0 new, 1 updated/,
    );
    const shown = JSON.parse((await gatehouse(['--json', 'subscribers', 'show', 'isp-a/sub-1'])).out);
    expect(shown).toMatchObject({
      name: 'Maasikas, Mari',
      address: 'Tänav 1\r\nTallinn',
      phone: '+3725551234',
    });
    const list = JSON.parse((await gatehouse(['--json', 'subscribers', 'list', '--isp', 'isp-a'])).out);
    expect(
      list.subscribers.map((s: { id: string; documentNumber: string }) => `${s.id}:${s.documentNumber}`),
    ).toEqual(['sub-1:AB123456', 'sub-2:K0000001']);
  });

  it('refuses a file with bad rows, naming each line and field, and imports nothing', async () => {
    const csv = file(
      'bad.csv',
      `${HEADER}\nsub-3,Ok Person,passport,1,"Multi\nLine",+3725550002,2026-01-01,eid\nsub 4,X,passport,1,A,+3725550003,2026-01-01,eid\nsub-5,Y,passport,1,A,not-a-phone,2026-01-01,eid\n`,
    );
    const r = await gatehouse(['subscribers', 'import', csv, '--isp', 'isp-a']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('[GH_ERR_SUBSCRIBER_INVALID]');
    expect(r.err).toMatch(/line 4: id: /);
    expect(r.err).toMatch(/line 5: phone: /);
    const list = JSON.parse((await gatehouse(['--json', 'subscribers', 'list'])).out);
    expect(list.subscribers).toHaveLength(2);
  });

  it('keeps identity out of the database and the audit log', async () => {
    const db = new Database(join(home.dir, 'data', 'gatehouse.db'), { readonly: true });
    const dump = JSON.stringify([
      db.prepare('select * from subscribers').all(),
      db.prepare('select * from audit_log').all(),
    ]);
    const actions = (db.prepare('select action from audit_log').all() as { action: string }[]).map(
      (a) => a.action,
    );
    db.close();
    for (const secret of ['Maasikas', 'AB123456', 'Tallinn', '5551234', 'K0000001'])
      expect(dump).not.toContain(secret);
    expect(actions).toEqual(
      expect.arrayContaining(['subscriber.create', 'subscriber.update', 'subscriber.import']),
    );
    expect((await gatehouse(['audit', 'verify'])).code).toBe(0);
  });

  it('refuses a wrong key and a missing key, changing nothing', async () => {
    const wrong = await gatehouse(['subscribers', 'show', 'isp-a/sub-1'], {
      GATEHOUSE_IDENTITY_KEY: randomBytes(32).toString('hex'),
    });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('[GH_ERR_IDENTITY_KEY_WRONG]');
    const keyFile = join(home.dir, 'data', 'keys', 'identity.key');
    renameSync(keyFile, `${keyFile}.away`);
    const missing = await gatehouse(['subscribers', 'import', join(home.dir, 'isp-a.csv'), '--isp', 'isp-a']);
    expect(missing.err).toContain('[GH_ERR_IDENTITY_KEY_MISSING]');
    expect(() => statSync(keyFile)).toThrow();
    renameSync(`${keyFile}.away`, keyFile);
    expect((await gatehouse(['subscribers', 'show', 'isp-a/sub-1'])).out).toContain('Maasikas, Mari');
  });
});

/**
 * The audit log as an auditor meets it: `gatehouse audit verify` on an intact log, then on a
 * log whose database was edited behind the store's back (triggers dropped, as an intruder with
 * file access would).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHome, type GatehouseHome } from '../helpers/gateway.js';

let home: GatehouseHome;

beforeAll(async () => {
  home = createHome();
  await home.cli(['demo']);
});

afterAll(() => home?.cleanup());

describe('gatehouse audit', () => {
  it('lists who did what and verifies the intact chain', async () => {
    const log = await home.cli(['audit', 'log']);
    expect(log).toMatch(/demo-operator\s+order\.create\s+order\/1/);
    expect(log).toMatch(/demo-judge\s+order\.approve\s+order\/1/);
    expect(await home.cli(['audit', 'verify'])).toMatch(/audit log intact: 5 entries/);
  });

  it('signs the head with Ed25519', async () => {
    const head = JSON.parse(await home.cli(['audit', 'head', '--sign']));
    expect(head.seq).toBe(5);
    expect(head.signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(head.publicKey).toContain('BEGIN PUBLIC KEY');
  });

  it('fails at the first tampered entry, naming it', async () => {
    const db = new Database(join(home.dir, 'data', 'gatehouse.db'));
    for (const { name } of db.prepare("select name from sqlite_master where type = 'trigger'").all() as {
      name: string;
    }[]) {
      db.exec(`drop trigger ${name}`);
    }
    db.prepare("update audit_log set details = replace(details, 'DEMO-1', 'DEMO-2') where seq = 2").run();
    db.close();
    const failure = await home.cli(['audit', 'verify']).then(
      () => null,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toMatch(/BROKEN at entry 2: modified/);
    expect(failure?.stderr).toMatch(/GH_ERR_AUDIT_INVALID/);
  });
});

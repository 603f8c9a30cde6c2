/**
 * The audit log on a real SQLite file, tampered with the way someone with file access would: through
 * better-sqlite3 directly, append-only triggers dropped first. Plus concurrency and verify speed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../store/migrate.js';
import { MIGRATIONS } from '../store/migrations/index.js';
import { openStore } from '../store/open.js';
import { SqlAudit } from '../store/sql/audit.js';
import { connectSqlite } from '../store/sqlite/connect.js';
import type { Store } from '../store/types.js';
import { GENESIS_HASH, hashAuditRecord } from './hash.js';
import type { AuditRecord } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-audit-'));
let files = 0;
const freshFile = () => join(dir, `audit-${files++}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Raw = Database.Database;
const row = (raw: Raw, seq: number) =>
  raw.prepare('SELECT * FROM audit_log WHERE seq = ?').get(seq) as AuditRecord;
const forge = (raw: Raw, record: Omit<AuditRecord, 'hash'>) =>
  raw
    .prepare('INSERT INTO audit_log VALUES (@seq, @time, @actor, @action, @object, @details, @prev, @hash)')
    .run({ ...record, hash: hashAuditRecord(record) });

/** Opens a store on a new file with ten entries, and a raw connection with the guards dropped. */
async function tenEntries(): Promise<{ store: Store; raw: Raw; file: string }> {
  const file = freshFile();
  let t = 1_700_000_000_000;
  const store = await openStore(`sqlite:${file}`, { clock: () => t++ });
  for (let i = 1; i <= 10; i++) {
    await store.audit.append({
      actor: 'auditor',
      action: 'records.access',
      object: `order/${i}`,
      details: { i },
    });
  }
  const raw = new Database(file);
  raw.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
  return { store, raw, file };
}

const TAMPERING: [string, (raw: Raw) => void, { seq: number; problem: string }][] = [
  [
    'a details field modified',
    (raw) => raw.exec(`UPDATE audit_log SET details = '{"i":99}' WHERE seq = 5`),
    {
      seq: 5,
      problem: 'modified',
    },
  ],
  [
    'an actor modified, hash recomputed',
    (raw) => {
      const r = { ...row(raw, 5), actor: 'someone-else' };
      raw.prepare('UPDATE audit_log SET actor = ?, hash = ? WHERE seq = 5').run(r.actor, hashAuditRecord(r));
    },
    { seq: 5, problem: 'modified' },
  ],
  ['a row deleted', (raw) => raw.exec('DELETE FROM audit_log WHERE seq = 5'), { seq: 5, problem: 'missing' }],
  [
    'the first row deleted',
    (raw) => raw.exec('DELETE FROM audit_log WHERE seq = 1'),
    {
      seq: 1,
      problem: 'missing',
    },
  ],
  [
    'a forged row added, hash recomputed, prev wrong',
    (raw) => {
      forge(raw, { ...row(raw, 10), seq: 11, object: 'order/666', prev: row(raw, 9).hash });
    },
    { seq: 11, problem: 'inserted' },
  ],
  [
    'a row replaced by a forged one, hash recomputed',
    (raw) => {
      const original = row(raw, 5);
      raw.exec('DELETE FROM audit_log WHERE seq = 5');
      forge(raw, { ...original, object: 'order/666', prev: GENESIS_HASH });
    },
    { seq: 5, problem: 'inserted' },
  ],
  [
    'two rows swapped (seq 3 and 7)',
    (raw) => {
      raw.exec('UPDATE audit_log SET seq = -3 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 7;');
      raw.exec('UPDATE audit_log SET seq = 7 WHERE seq = -3');
    },
    { seq: 3, problem: 'reordered' },
  ],
  [
    'two neighbours swapped (seq 4 and 5)',
    (raw) => {
      raw.exec('UPDATE audit_log SET seq = -4 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = 5;');
      raw.exec('UPDATE audit_log SET seq = 5 WHERE seq = -4');
    },
    { seq: 4, problem: 'reordered' },
  ],
  [
    'a prev link edited',
    (raw) => raw.exec(`UPDATE audit_log SET prev = '${'f'.repeat(64)}' WHERE seq = 6`),
    {
      seq: 6,
      problem: 'broken-link',
    },
  ],
  ['a row forged at seq 0', (raw) => forge(raw, { ...row(raw, 1), seq: 0 }), { seq: 0, problem: 'inserted' }],
];

describe('tampering with the SQLite file', () => {
  it.each(TAMPERING)('detects %s at the exact entry', async (_, tamper, expected) => {
    const { store, raw } = await tenEntries();
    expect(await store.audit.verify()).toMatchObject({ ok: true, entries: 10 });
    tamper(raw);
    raw.close();
    expect(await store.audit.verify({ pageSize: 3 })).toMatchObject({ ok: false, ...expected });
    await store.close();
  });

  it('needs the published head to notice the last entries deleted', async () => {
    const { store, raw } = await tenEntries();
    const published = await store.audit.head();
    raw.exec('DELETE FROM audit_log WHERE seq >= 9');
    raw.close();
    expect(await store.audit.verify()).toMatchObject({ ok: true, entries: 8 });
    expect(await store.audit.verify({ trusted: published })).toMatchObject({
      ok: false,
      seq: 9,
      problem: 'missing',
    });
    await store.close();
  });

  it('refuses UPDATE and DELETE while the guards are in place', async () => {
    const file = freshFile();
    const store = await openStore(`sqlite:${file}`);
    await store.audit.append({ actor: 'a', action: 'x.y', object: 'o/1' });
    const raw = new Database(file);
    expect(() => raw.exec(`UPDATE audit_log SET actor = 'b'`)).toThrow(/append-only/);
    expect(() => raw.exec('DELETE FROM audit_log')).toThrow(/append-only/);
    raw.close();
    await store.close();
  });
});

describe('two stores on one SQLite file', () => {
  it('append concurrently without forking the chain', async () => {
    const file = freshFile();
    const stores = [await openStore(`sqlite:${file}`), await openStore(`sqlite:${file}`)];
    const appends = Array.from({ length: 200 }, (_, i) =>
      stores[i % 2].audit.append({
        actor: `writer-${i % 2}`,
        action: 'records.access',
        object: `order/${i}`,
      }),
    );
    const entries = await Promise.all(appends);
    expect(new Set(entries.map((e) => e.seq)).size).toBe(200);
    expect(await stores[1].audit.verify()).toMatchObject({ ok: true, entries: 200 });
    expect(await stores[0].audit.entries({ actor: 'writer-1', limit: 1000 })).toHaveLength(100);
    await Promise.all(stores.map((s) => s.close()));
  });
});

describe("appending in the caller's transaction", () => {
  it('commits and rolls back with the caller', async () => {
    const db = connectSqlite(':memory:');
    await migrate(db, MIGRATIONS, 'sqlite');
    const audit = new SqlAudit(db, () => 1_700_000_000_000);
    const entry = { actor: 'auditor', action: 'records.access', object: 'order/1', details: { rows: 3 } };
    await db.transaction().execute((trx) => audit.append(entry, trx));
    const failed = db.transaction().execute(async (trx) => {
      await audit.append(entry, trx);
      throw new Error('the act failed');
    });
    await expect(failed).rejects.toThrow('the act failed');
    expect(await audit.head()).toMatchObject({ seq: 1 });
    expect(await audit.verify()).toMatchObject({ ok: true, entries: 1 });
    await db.destroy();
  });
});

describe('verify speed', () => {
  const count = Number(process.env.GATEHOUSE_AUDIT_VERIFY_ENTRIES ?? 100_000);

  // Building a million-entry file takes a while on a busy machine: allow for it when asked for.
  it(`verifies ${count.toLocaleString('en')} entries (timing printed, not asserted)`, {
    timeout: 30_000 + count / 5,
  }, async () => {
    const file = freshFile();
    (await openStore(`sqlite:${file}`)).close();
    const raw = new Database(file);
    const insert = raw.prepare('INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    raw.transaction(() => {
      let prev = GENESIS_HASH;
      for (let seq = 1; seq <= count; seq++) {
        const r = { seq, time: 1_700_000_000_000 + seq, actor: 'auditor', action: 'records.access' };
        const record = { ...r, object: `order/${seq % 977}`, details: `{"query":${seq}}`, prev };
        prev = hashAuditRecord(record);
        insert.run(
          seq,
          record.time,
          record.actor,
          record.action,
          record.object,
          record.details,
          record.prev,
          prev,
        );
      }
    })();
    raw.close();
    const store = await openStore(`sqlite:${file}`);
    const started = performance.now();
    const result = await store.audit.verify();
    const ms = performance.now() - started;
    expect(result).toMatchObject({ ok: true, entries: count });
    console.log(
      `audit verify: ${count} entries in ${ms.toFixed(0)} ms (${((count / ms) * 1000).toFixed(0)}/s)`,
    );
    await store.close();
  });
});

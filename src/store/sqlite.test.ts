import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { approve, submit } from '../policy/lifecycle.js';
import type { Rule } from '../policy/model.js';
import { orderInput, runStoreContract } from './contract.test-suite.js';
import { currentVersion, migrate } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import type { Migration } from './migrations/types.js';
import { openStore, parseStoreUrl } from './open.js';
import { connectSqlite } from './sqlite/connect.js';

/** Versions may have gaps (each area owns its number): the latest is the last one, not the count. */
const LATEST = MIGRATIONS[MIGRATIONS.length - 1].version;

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-store-'));
let files = 0;
const freshFile = () => join(dir, `nested/dir/store-${files++}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runStoreContract('sqlite::memory:', () => openStore('sqlite::memory:'));
runStoreContract('sqlite file', () => openStore(`sqlite:${freshFile()}`));

describe('openStore (sqlite)', () => {
  it.each([
    ['a path under a regular file', () => `sqlite:${join(dir, 'plain')}/x/store.db`],
    ['a directory', () => `sqlite:${dir}`],
    ['a file that is not a database', () => `sqlite:${join(dir, 'plain')}`],
    ['an unknown scheme', () => 'mysql://localhost/gatehouse'],
    ['an empty path', () => 'sqlite:'],
    ['a postgres url without a host', () => 'postgres://'],
  ])('refuses %s with GH_ERR_STORE_OPEN', async (_, url) => {
    writeFileSync(
      join(dir, 'plain'),
      'this is not a database, it is a text file of some length\n'.repeat(20),
    );
    await expect(openStore(url())).rejects.toMatchObject({ code: 'GH_ERR_STORE_OPEN' });
  });

  it('names the path in the error', async () => {
    writeFileSync(join(dir, 'plain'), 'not a database\n'.repeat(100));
    await expect(openStore(`sqlite:${join(dir, 'plain')}`)).rejects.toThrow(join(dir, 'plain'));
  });

  it.each([
    ['sqlite:data/g.db', 'data/g.db'],
    ['sqlite:///var/lib/g.db', '/var/lib/g.db'],
    ['sqlite::memory:', ':memory:'],
  ])('parses %s', (url, path) => {
    expect(parseStoreUrl(url).path).toBe(path);
  });

  it('creates the directory, uses WAL and keeps data across reopening', async () => {
    const file = freshFile();
    const store = await openStore(`sqlite:${file}`);
    const order = await store.orders.create(orderInput(), 'alice');
    await store.close();
    const raw = new Database(file);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    const again = await openStore(`sqlite:${file}`);
    expect(await again.orders.require(order.id)).toEqual(order);
    expect(await again.schemaVersion()).toBe(LATEST);
    await again.close();
  });

  // better-sqlite3 is synchronous: two connections to one file inside one thread would wait on each
  // other's write lock while blocking the event loop, so a process keeps one store per file. Across
  // connections (processes), the write lock plus compare-and-set still lets only one approval win.
  it('refuses a stale approval made on another connection', async () => {
    const file = freshFile();
    const [a, b] = [await openStore(`sqlite:${file}`), await openStore(`sqlite:${file}`)];
    const draft = await a.orders.create(orderInput(), 'alice');
    const pending = await a.orders.apply(submit(draft, 'alice', Date.now()));
    const seenByCarol = await b.orders.require(pending.id);
    await a.orders.apply(approve(pending, 'bob', Date.now()));
    await expect(b.orders.apply(approve(seenByCarol, 'carol', Date.now()))).rejects.toMatchObject({
      code: 'GH_ERR_ORDER_STATE',
    });
    expect(await b.orders.require(pending.id)).toMatchObject({ status: 'active', approvedBy: 'bob' });
    await a.close();
    await b.close();
  });
});

describe('migrate', () => {
  const failing: Migration = {
    version: 2,
    name: 'broken',
    async up(db) {
      await db.schema.createTable('half_done').addColumn('x', 'integer').execute();
      await sql`select * from no_such_table`.execute(db);
    },
  };

  it('leaves the store at the previous version when a migration fails', async () => {
    const db = connectSqlite(':memory:');
    const error = await migrate(db, [...MIGRATIONS.slice(0, 1), failing], 'sqlite').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'GH_ERR_STORE_MIGRATION' });
    expect(String((error as Error).message)).toContain('left at version 1');
    expect(await currentVersion(db)).toBe(1);
    const tables = await sql<{
      name: string;
    }>`select name from sqlite_master where name = 'half_done'`.execute(db);
    expect(tables.rows).toEqual([]);
    await db.destroy();
  });

  it('refuses a store newer than this build', async () => {
    const db = connectSqlite(':memory:');
    await migrate(db, MIGRATIONS, 'sqlite');
    await db.insertInto('schema_version').values({ version: 99, name: 'future', applied_at: 0 }).execute();
    await expect(migrate(db, MIGRATIONS, 'sqlite')).rejects.toMatchObject({ code: 'GH_ERR_STORE_MIGRATION' });
    await db.destroy();
  });

  it('applies a lower-numbered migration that lands after a higher one (versions may have gaps)', async () => {
    const db = connectSqlite(':memory:');
    const step = (version: number): Migration => ({
      version,
      name: `step-${version}`,
      up: (d) => d.schema.createTable(`t${version}`).addColumn('x', 'integer').execute(),
    });
    expect(await migrate(db, [...MIGRATIONS.slice(0, 2), step(90)], 'sqlite')).toBe(90);
    expect(await migrate(db, [...MIGRATIONS.slice(0, 2), step(80), step(90)], 'sqlite')).toBe(90);
    const rows = await db.selectFrom('schema_version').select('version').orderBy('version').execute();
    expect(rows.map((r) => r.version)).toEqual([1, 2, 80, 90]);
    await expect(migrate(db, [step(2), step(1)], 'sqlite')).rejects.toThrow(/not above/);
    await db.destroy();
  });

  it('is idempotent', async () => {
    const db = connectSqlite(':memory:');
    expect(await migrate(db, MIGRATIONS, 'sqlite')).toBe(LATEST);
    expect(await migrate(db, MIGRATIONS, 'sqlite')).toBe(LATEST);
    await db.destroy();
  });
});

describe('a 1,000,000-rule list version', () => {
  function* millionRules(): Generator<Rule> {
    for (let i = 0; i < 1_000_000; i++) {
      if (i % 10 === 9) yield { kind: 'cidr', value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` };
      else yield { kind: i % 3 === 0 ? 'exact' : 'subtree', value: `host-${i}.example-${i % 977}.com` };
    }
  }

  it('saves and loads (timing printed, not asserted)', async () => {
    const store = await openStore(`sqlite:${freshFile()}`);
    const list = await store.lists.create({ name: 'big', format: 'hosts' }, 'alice');
    let t = performance.now();
    const info = await store.lists.addVersion(list.id, { rules: millionRules() }, 'alice');
    const saveMs = performance.now() - t;
    t = performance.now();
    const version = await store.lists.getVersion(list.id);
    const loadMs = performance.now() - t;
    t = performance.now();
    const lines = await store.lists.lines(list.id);
    const readMs = performance.now() - t;
    expect(info.ruleCount).toBe(1_000_000);
    expect(version.rules).toHaveLength(1_000_000);
    expect(lines).toHaveLength(1_000_000);
    console.log(
      `1M-rule list version: save ${saveMs.toFixed(0)} ms; load ${loadMs.toFixed(0)} ms` +
        ` (of which read + gunzip + sha256 ${readMs.toFixed(0)} ms)`,
    );
    await store.close();
  });
});

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresCluster, postgresSkipReason, startPostgres } from '../../test/helpers/postgres.js';
import { approve, submit } from '../policy/lifecycle.js';
import { parseTargetOrThrow } from '../policy/target.js';
import { activeOrder, orderInput, runStoreContract } from './contract.test-suite.js';
import { currentVersion } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import type { Migration } from './migrations/types.js';
import { openStore, parseStoreUrl } from './open.js';
import { connectPostgres, redactUrl } from './postgres/connect.js';
import { migrateLocked } from './postgres/lock.js';
import type { Store } from './types.js';

/** Versions may have gaps (each area owns its number): the latest is the last one, not the count. */
const LATEST = MIGRATIONS[MIGRATIONS.length - 1].version;

const skip = postgresSkipReason();
let cluster: PostgresCluster;

describe.skipIf(skip !== undefined)(skip ? `postgresql store (skipped: ${skip})` : 'postgresql store', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  runStoreContract('postgres', async () => openStore(await cluster.freshDatabase()));

  describe('openStore (postgres)', () => {
    it.each([
      ['postgres://u@h/db', 'postgres'],
      ['postgresql://u@h:5433/db?sslmode=require', 'postgres'],
    ])('parses %s', (url, dialect) => {
      expect(parseStoreUrl(url)).toEqual({ dialect, path: url });
    });

    it('refuses an unreachable server with GH_ERR_STORE_OPEN, without the password', async () => {
      const url = 'postgres://gatehouse:s3cret@127.0.0.1:1/gatehouse';
      const error = await openStore(url).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'GH_ERR_STORE_OPEN' });
      expect((error as Error).message).toContain(redactUrl(url));
      expect((error as Error).message).not.toContain('s3cret');
    });

    it('lets two nodes starting at once migrate exactly once', async () => {
      const url = await cluster.freshDatabase();
      const stores = await Promise.all([openStore(url), openStore(url), openStore(url)]);
      for (const s of stores) expect(await s.schemaVersion()).toBe(LATEST);
      const db = connectPostgres(url);
      const rows = await db.selectFrom('schema_version').select('version').execute();
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      await db.destroy();
      await Promise.all(stores.map((s) => s.close()));
    });

    it('leaves the store at the previous version when a migration fails (transactional DDL)', async () => {
      const failing: Migration = {
        version: LATEST + 1,
        name: 'broken',
        async up(db) {
          await db.schema.createTable('half_done').addColumn('x', 'integer').execute();
          await sql`select * from no_such_table`.execute(db);
        },
      };
      const db = connectPostgres(await cluster.freshDatabase());
      const error = await migrateLocked(db, [...MIGRATIONS, failing]).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'GH_ERR_STORE_MIGRATION' });
      expect(await currentVersion(db)).toBe(LATEST);
      const tables = await sql`select 1 from pg_tables where tablename = 'half_done'`.execute(db);
      expect(tables.rows).toEqual([]);
      await db.destroy();
    });
  });

  describe('several nodes on one database', () => {
    let a: Store;
    let b: Store;
    let url: string;
    beforeAll(async () => {
      url = await cluster.freshDatabase();
      [a, b] = [await openStore(url), await openStore(url)];
    });
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
    });

    it('sees an order approved through another node, and its stamp moves', async () => {
      const before = await b.orders.changeStamp();
      const order = await activeOrder(a, { targets: ['shared.example'] });
      expect(await b.orders.changeStamp()).not.toBe(before);
      const inForce = await b.orders.listActiveWithRules(Date.now());
      expect(inForce.map((o) => o.order)).toContainEqual(order);
    });

    it('lets exactly one of two approvals on different nodes win, every time', async () => {
      for (let round = 0; round < 10; round++) {
        const draft = await a.orders.create(orderInput(), 'alice');
        const pending = await a.orders.apply(submit(draft, 'alice', Date.now()));
        const results = await Promise.allSettled([
          a.orders.apply(approve(pending, 'bob', Date.now())),
          b.orders.apply(approve(pending, 'carol', Date.now())),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(lost?.reason).toMatchObject({ code: 'GH_ERR_ORDER_STATE' });
        const history = await b.orders.history(draft.id);
        expect(history.filter((h) => h.to === 'active')).toHaveLength(1);
      }
    });

    it('numbers concurrent imports of one list 1..n (row lock on the list)', async () => {
      const list = await a.lists.create({ name: 'raced', format: 'domains' }, 'alice');
      const imports = Array.from({ length: 8 }, (_, i) =>
        (i % 2 === 0 ? a : b).lists.addVersion(
          list.id,
          { rules: [parseTargetOrThrow(`v${i}.example`)] },
          'alice',
        ),
      );
      const versions = (await Promise.all(imports)).map((v) => v.version);
      expect(versions.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it('moves the stamp when a transition commits after a later one', async () => {
      const db = connectPostgres(url);
      const order = await a.orders.create(orderInput(), 'alice');
      const slow = await db.startTransaction().execute();
      // The slow transaction takes the lower history id, then commits last.
      await slow
        .insertInto('order_status_history')
        .values({ order_id: order.id, from_status: 'draft', to_status: 'draft', actor: 'alice', at: 1 })
        .execute();
      await activeOrder(b);
      const seen = await b.orders.changeStamp();
      await slow.commit().execute();
      expect(await b.orders.changeStamp()).not.toBe(seen);
      await db.destroy();
    });
  });
});

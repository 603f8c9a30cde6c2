import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type PostgresCluster, postgresSkipReason, startPostgres } from '../../test/helpers/postgres.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { ensureFirstAdmin } from './bootstrap.js';

/** Two nodes starting at once on one empty database: one admin, one password printed, no failure. */
async function race(stores: readonly [Store, Store]): Promise<void> {
  const [a, b] = await Promise.all(stores.map((s) => ensureFirstAdmin(s)));
  const made = [a, b].filter((r) => r !== null);
  expect(made).toHaveLength(1);
  expect(made[0]?.name).toBe('admin');
  expect(await stores[0].accounts.countWithRole('admin')).toBe(1);
  // A later start finds the admin and makes nothing.
  expect(await ensureFirstAdmin(stores[1])).toBeNull();
}

describe('ensureFirstAdmin', () => {
  test('sqlite: two starts racing on one empty store make one admin', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      await race([store, store]);
    } finally {
      await store.close();
    }
  });
});

const skip = postgresSkipReason();
let cluster: PostgresCluster;

describe.skipIf(skip !== undefined)(
  skip ? `ensureFirstAdmin on postgresql (skipped: ${skip})` : 'ensureFirstAdmin on postgresql',
  () => {
    beforeAll(async () => {
      cluster = await startPostgres();
    });
    afterAll(async () => {
      await cluster?.stop();
    });
    test('two nodes racing on one empty database make one admin', async () => {
      const url = await cluster.freshDatabase();
      const stores = [await openStore(url), await openStore(url)] as const;
      try {
        await race(stores);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });
  },
);

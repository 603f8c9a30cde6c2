/**
 * The retention job over the shared key store (PostgreSQL): two nodes running it at once destroy a
 * due key once (one audit entry), keep the keys not yet due, and a subscriber warrant's lookup then
 * reports the destroyed epoch as unlinkable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresCluster, postgresSkipReason, startPostgres } from '../../test/helpers/postgres.js';
import { postgresEpochKeys } from '../records/epoch-keys-postgres.js';
import { createRetentionJob, keyDestroyAt } from '../records/retention.js';
import { pseudonymsFor } from './records.js';

const skip = postgresSkipReason();
const DAY = 86_400_000;
const periods = { dns: 7 * DAY, flow: 7 * DAY, lease: 7 * DAY };
let cluster: PostgresCluster | undefined;

beforeAll(async () => {
  if (skip === undefined) cluster = await startPostgres();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

describe.runIf(skip === undefined)('retention with shared epoch keys', () => {
  it('destroys a due key once across nodes and leaves its epoch unlinkable', async () => {
    const url = await (cluster as PostgresCluster).freshDatabase();
    const nodes = [postgresEpochKeys(url), postgresEpochKeys(url)];
    try {
      const [a, b] = nodes as [ReturnType<typeof postgresEpochKeys>, ReturnType<typeof postgresEpochKeys>];
      for (const e of [100, 101, 102]) await a.getOrCreate(e);
      const now = keyDestroyAt(100, DAY, periods); // epoch 100 just due; 101 and 102 not yet
      const target = { kind: 'subscriber' as const, isp: 'isp-a', subscriber: 'sub-42' };
      const scope = { keyDir: '/nonexistent', epochMs: DAY };
      const before = await pseudonymsFor(target, 100 * DAY, 102 * DAY, { ...scope, keys: b });
      expect(before.unlinkableEpochs).toEqual([]);
      expect(before.pseudonyms).toHaveLength(2);

      const audited: number[] = [];
      const jobs = nodes.map((keys) =>
        createRetentionJob({
          steps: { rollUp: () => 0, deleteExpired: () => 0 },
          keys,
          retention: periods,
          intervalMs: DAY,
          batchSize: 10,
          classify: () => 'domestic',
          now: () => now,
          onKeyDestroyed: (epoch) => {
            audited.push(epoch);
          },
        }),
      );
      const results = await Promise.all(jobs.map((j) => j.run()));
      expect(results.flatMap((r) => r.keysDestroyed)).toEqual([100]);
      expect(audited).toEqual([100]);
      expect(await b.list()).toEqual([101, 102]);

      const after = await pseudonymsFor(target, 100 * DAY, 102 * DAY, { ...scope, keys: b });
      expect(after.unlinkableEpochs).toEqual([100]);
      expect(after.pseudonyms).toEqual([before.pseudonyms[1]]);
    } finally {
      for (const n of nodes) await n.close();
    }
  });
});

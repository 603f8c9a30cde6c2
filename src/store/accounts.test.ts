import { afterAll, beforeAll, describe } from 'vitest';
import { type PostgresCluster, postgresSkipReason, startPostgres } from '../../test/helpers/postgres.js';
import { runAccountContract } from './contract-accounts.test-suite.js';
import { openStore } from './open.js';

runAccountContract('sqlite', () => openStore('sqlite::memory:'));

const skip = postgresSkipReason();
let cluster: PostgresCluster;

describe.skipIf(skip !== undefined)(
  skip ? `postgresql accounts (skipped: ${skip})` : 'postgresql accounts',
  () => {
    beforeAll(async () => {
      cluster = await startPostgres();
    });
    afterAll(async () => {
      await cluster?.stop();
    });
    runAccountContract('postgres', async () => openStore(await cluster.freshDatabase()));
  },
);

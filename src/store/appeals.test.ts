import { afterAll, beforeAll, describe } from 'vitest';
import { type PostgresCluster, postgresSkipReason, startPostgres } from '../../test/helpers/postgres.js';
import { runAppealContract } from './contract-appeals.test-suite.js';
import { openStore } from './open.js';

runAppealContract('sqlite', () => openStore('sqlite::memory:'));

const skip = postgresSkipReason();
let cluster: PostgresCluster;

describe.skipIf(skip !== undefined)(
  skip ? `postgresql appeals (skipped: ${skip})` : 'postgresql appeals',
  () => {
    beforeAll(async () => {
      cluster = await startPostgres();
    });
    afterAll(async () => {
      await cluster?.stop();
    });
    runAppealContract('postgres', async () => openStore(await cluster.freshDatabase()));
  },
);

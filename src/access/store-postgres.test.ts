import { afterAll, beforeAll, describe } from 'vitest';
import { type PostgresCluster, postgresSkipReason, startPostgres } from '../../test/helpers/postgres.js';
import { openStore } from '../store/open.js';
import { runWarrantContract } from './contract.test-suite.js';

const skip = postgresSkipReason();
let cluster: PostgresCluster;

describe.skipIf(skip !== undefined)(
  skip ? `warrants on postgresql (skipped: ${skip})` : 'warrants on postgresql',
  () => {
    beforeAll(async () => {
      cluster = await startPostgres();
    }, 60_000);
    afterAll(async () => {
      await cluster?.stop();
    });
    runWarrantContract('postgres', async () => openStore(await cluster.freshDatabase()));
  },
);

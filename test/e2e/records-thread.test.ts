/**
 * The records sink's thread yields between its INSERT statements (sched_yield through the native
 * addon, src/native/threads.ts), so the thread answering queries never waits behind a whole write:
 * the gateway says so at start, and the records of what it answered are still stored.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  client,
  createHome,
  type GatehouseHome,
  type RunningGateway,
  startGateway,
} from '../helpers/gateway.js';
import { until } from './proxy-harness.js';

let home: GatehouseHome;
let gw: RunningGateway;

beforeAll(async () => {
  home = createHome();
  // A closed port upstream: the one query below is answered SERVFAIL, and nothing leaves loopback.
  gw = await startGateway(home, ['--upstream', '127.0.0.1:9', '--set', 'records.flushInterval=10ms']);
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  home?.cleanup();
});

it('logs that the records sink thread yields with sched_yield', () => {
  const line = gw.log.find((l) => l.includes('"records sink thread"'));
  expect(line, gw.log.join('\n')).toBeDefined();
  expect(JSON.parse(line as string).scheduling).toBe(
    'yields between statements (writes of up to 1024 rows): sched_yield',
  );
});

it('stores the records of what the gateway answered', async () => {
  await client('dig', ['@127.0.0.1', '-p', String(gw.ports.udp), '+tries=1', '+time=5', 'yield.test', 'A']);
  const db = new Database(join(home.dir, 'data', 'records.db'), { readonly: true });
  try {
    const count = (): number =>
      (db.prepare("SELECT count(*) AS n FROM dns_queries WHERE qname = 'yield.test'").get() as { n: number })
        .n;
    await until(() => count() > 0, 10_000);
    expect(count()).toBe(1);
  } finally {
    db.close();
  }
});

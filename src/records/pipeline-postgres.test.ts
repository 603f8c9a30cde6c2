/**
 * Records on PostgreSQL lose nothing while the database is unreachable: the node starts with it
 * down, and loses it mid-run; records spill to the spool and are replayed in order once it is back.
 * "Down" is a loopback TCP relay in front of the throwaway cluster, closed (connections cut) and
 * reopened on the same port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresCluster, postgresSkipReason, startPostgres } from '../../test/helpers/postgres.js';
import { startRecords } from './pipeline.js';
import { createPostgresSink } from './sinks/postgres.js';
import { createDeferredPostgresSink } from './sinks/postgres-deferred.js';
import { dnsRecordAt } from './sinks/records.fixture.js';

const skip = postgresSkipReason();

/** A TCP relay to `target` that can be cut and restored on the same port. */
function relay(target: { host: string; port: number }) {
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  const up = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const listening = createServer((inbound) => {
        const outbound = createConnection(target);
        for (const s of [inbound, outbound]) {
          sockets.add(s);
          s.on('error', () => {});
          s.on('close', () => sockets.delete(s));
        }
        inbound.pipe(outbound).pipe(inbound);
      });
      server = listening;
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', () => resolve((listening.address() as { port: number }).port));
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (server === null) return resolve();
      server.close(() => resolve());
      server = null;
    });
  return { up, down };
}

const until = async (check: () => Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
};

let cluster: PostgresCluster;

describe.skipIf(skip !== undefined)(
  skip ? `records into postgres through outages (skipped: ${skip})` : 'records into postgres through outages',
  () => {
    beforeAll(async () => {
      cluster = await startPostgres();
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    it('starts with the database down, loses it mid-run, and stores every record in order', async () => {
      const direct = new URL(await cluster.freshDatabase());
      const r = relay({ host: direct.hostname, port: Number(direct.port) });
      // Take a free port for the relay, then close it: the node starts against a closed port.
      const port = await r.up(0);
      await r.down();
      const viaRelay = new URL(direct.href);
      viaRelay.port = String(port);
      const dataDir = mkdtempSync(join(tmpdir(), 'gh-pg-spool-'));
      const records = await startRecords({
        dataDir,
        batchSize: 50,
        flushIntervalMs: 20,
        maxQueue: 1000,
        spoolBytes: 1 << 24,
        onDrop: () => {
          throw new Error('nothing may be dropped');
        },
        sink: createDeferredPostgresSink({ url: viaRelay.href }),
      });
      const check = await createPostgresSink({ url: direct.href });
      try {
        let i = 0;
        const push = (n: number) => {
          for (const end = i + n; i < end; i++) records.dns(dnsRecordAt(i));
        };
        push(300); // database unreachable: spooled
        await new Promise((res) => setTimeout(res, 300));
        await r.up(port);
        await until(async () => (await check.count()).dnsQueries === 300);
        push(200);
        await until(async () => (await check.count()).dnsQueries === 500);
        await r.down(); // lost mid-run
        push(400);
        await new Promise((res) => setTimeout(res, 1500));
        expect(records.stats().dns.spooled).toBeGreaterThan(0);
        await r.up(port);
        await until(async () => (await check.count()).dnsQueries === 900);
        const stored = await check.query({ from: 0, to: Number.MAX_SAFE_INTEGER, limit: 10_000 });
        expect(stored.map((x) => x.time)).toEqual(Array.from({ length: 900 }, (_, k) => dnsRecordAt(k).time));
        expect(records.stats().dns.dropped).toBe(0);
      } finally {
        await records.close();
        await check.close();
        await r.down();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  },
);

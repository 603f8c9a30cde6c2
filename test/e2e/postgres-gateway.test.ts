/**
 * Two gateway nodes on one PostgreSQL, as an operator runs them: a throwaway cluster on loopback,
 * two `gatehouse start --store postgres://… --set records.store=postgres://…` processes (each its
 * own data directory: spool, keys, certificates), an order created and approved with the CLI against
 * the same database. Both nodes then refuse the name with EDE 16 within a second or two, the queries'
 * records from both land in PostgreSQL, and a warrant executed with the CLI finds them. One
 * subscriber seen by both nodes (RADIUS accounting Start sent to each with `radclient`) gets the same
 * pseudonym from both, since they share the epoch keys in PostgreSQL, and one subscriber warrant
 * finds the records of both nodes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthDns, startAuthDns } from '../fixtures/auth-dns.js';
import {
  client,
  createHome,
  type GatehouseHome,
  type RunningGateway,
  startGateway,
} from '../helpers/gateway.js';
import { type PostgresCluster, postgresSkipReason, startPostgres } from '../helpers/postgres.js';
import { radclient, radiusPort } from '../helpers/radius.js';

const skip = postgresSkipReason();
/** Each node is asked its own name, so the records show which node wrote them. */
const NAMES = ['node-a.casino.test', 'node-b.casino.test'];

let cluster: PostgresCluster;
let url: string;
let upstream: AuthDns;
let homes: GatehouseHome[] = [];
const nodes: RunningGateway[] = [];
let config: string;
let windowFrom = 0;
let orderId = 0;

/** The CLI with the shared configuration (store and records on PostgreSQL). */
const cli = (args: string[], user = 'alice') =>
  (homes[0] as GatehouseHome).cli(['--config', config, ...args], user);

const dig = (node: RunningGateway, name: string) =>
  client('dig', ['@127.0.0.1', '-p', String(node.ports.udp), '+tries=1', '+time=2', name, 'A']);

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** DNS query records under casino.test in PostgreSQL. */
async function countRecords(): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const exists = await c.query("SELECT to_regclass('dns_queries') IS NOT NULL AS ok");
    if (exists.rows[0].ok !== true) return 0;
    const { rows } = await c.query("SELECT count(*) AS n FROM dns_queries WHERE qname LIKE '%.casino.test'");
    return Number(rows[0].n);
  } finally {
    await c.end();
  }
}

describe.skipIf(skip !== undefined)(
  skip ? `two gateways on one postgresql (skipped: ${skip})` : 'two gateways on one postgresql',
  () => {
    beforeAll(async () => {
      cluster = await startPostgres();
      url = await cluster.freshDatabase();
      upstream = await startAuthDns({ answerAll: '192.0.2.99' });
      homes = [createHome(), createHome()];
      config = join(homes[0]!.dir, 'gatehouse.yaml');
      writeFileSync(
        config,
        `store: ${url}\nrecords:\n  store: ${url}\n` +
          'radius:\n  clients:\n    - { address: 127.0.0.1, isp: isp-a, secret: testing123 }\n',
      );
      const args = [
        '--config',
        config,
        '--radius',
        '127.0.0.1:0',
        '--store',
        url,
        '--set',
        `records.store=${url}`,
        '--upstream',
        `127.0.0.1:${upstream.port}`,
      ];
      // One after the other: the first migrates the database and creates the first admin.
      for (const home of homes) nodes.push(await startGateway(home, args));
    }, 120_000);

    afterAll(async () => {
      await Promise.all(nodes.map((n) => n.stop()));
      await upstream?.close();
      for (const h of homes) h.cleanup();
      await cluster?.stop();
    });

    it('an order approved with the CLI is enforced by both nodes within a second or two', async () => {
      const out = await cli([
        'orders',
        'create',
        '--title',
        'Unlicensed gambling',
        '--authority',
        'Test District Court',
        '--authority-kind',
        'court',
        '--instrument',
        'Gambling Act',
        '--article',
        '§ 56',
        '--decision-ref',
        '2-26-1234',
        '--notice',
        'Blocked by court order 2-26-1234',
        '--appeal',
        'mailto:appeals@example.org',
        '--expires',
        '+30d',
        '--target',
        'casino.test',
      ]);
      const id = /order (\d+) created/.exec(out)?.[1];
      expect(id).toBeDefined();
      orderId = Number(id);
      expect(await dig(nodes[0]!, NAMES[0]!)).toMatch(/status: NOERROR/); // not in force before approval
      windowFrom = Date.now() - 1000;
      await cli(['orders', 'approve', String(id)], 'bob');
      const approved = Date.now();
      for (const [i, node] of nodes.entries()) {
        await until(
          'EDE 16',
          () => dig(node, NAMES[i]!),
          (a) => /EDE: 16 \(Censored\)/.test(a),
          3000,
        );
      }
      expect(Date.now() - approved).toBeLessThan(3000);
    });

    it('records the queries of both nodes in PostgreSQL', async () => {
      // Every dig above leaves one record; the batchers flush within a second (records.flushInterval).
      let last = -1;
      const n = await until(
        'records to settle',
        async () => {
          const prev = last;
          last = await countRecords();
          await new Promise((r) => setTimeout(r, 1500));
          return [prev, last];
        },
        ([prev, now]) => now === prev && now >= 3,
        20_000,
      );
      expect(n[1]).toBeGreaterThanOrEqual(3);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const { rows } = await c.query(
        "SELECT DISTINCT qname, verdict, order_id, ede FROM dns_queries WHERE qname LIKE '%.casino.test' ORDER BY 1, 2",
      );
      await c.end();
      // A node may answer a query or two before its next poll of the store sees the approval.
      const blocked = rows.filter((r) => r.verdict === 'block');
      expect(blocked.map((r) => [r.qname, Number(r.order_id), r.ede])).toEqual([
        [NAMES[0], orderId, 16],
        [NAMES[1], orderId, 16],
      ]);
    });

    it('a warrant executed with the CLI finds those records', async () => {
      const stored = await countRecords();
      const requested = await cli([
        'warrants',
        'request',
        '--authority',
        'Central Criminal Police',
        '--reference',
        'CCP-2026-18',
        '--crime',
        'kidnapping',
        '--destination',
        'casino.test',
        '--from',
        new Date(windowFrom).toISOString(),
        '--to',
        new Date(Date.now() + 1).toISOString(),
        '--justification',
        'Ransom paid through this site.',
      ]);
      const id = /warrant (\d+)/.exec(requested)?.[1] ?? 'none';
      await cli(['warrants', 'approve', id, '--reason', 'necessary and proportionate'], 'bob');
      expect(await cli(['warrants', 'execute', id])).toMatch(new RegExp(`${stored} records`));
      const json = JSON.parse(await cli(['warrants', 'results', id, '--format', 'json']));
      const names = json.records.map((r: { record: { qname: string } }) => r.record.qname);
      expect(names).toHaveLength(stored);
      expect(new Set(names)).toEqual(new Set(NAMES));
    });

    it('reports and retention read the same PostgreSQL records from the CLI', async () => {
      const hits = JSON.parse(await cli(['--json', 'records', 'report', '--type', 'orders']));
      expect(hits[String(orderId)].dns).toBeGreaterThanOrEqual(nodes.length);
      const ran = JSON.parse(await cli(['--json', 'records', 'retention', '--run']));
      expect(ran.run.aggregated.dns).toBe(await countRecords());
      expect(ran.kinds[0].where).toMatch(/^postgres:\/\/.* dns_queries$/);
      // Rolled up now: the report reads the aggregates and says the same.
      expect(JSON.parse(await cli(['--json', 'records', 'report', '--type', 'orders']))).toEqual(hits);
    });

    it("gives one subscriber the same pseudonym on both nodes; one warrant finds both nodes' records", async () => {
      const from = Date.now() - 1000;
      // The subscriber's NAS reports one session to each node (two addresses, as after a reconnect).
      const start = (address: string, session: string) =>
        `Acct-Status-Type = Start\nUser-Name = "sub-42"\nFramed-IP-Address = ${address}\nAcct-Session-Id = "${session}"\nNAS-IP-Address = 127.0.0.1\n`;
      const seen = [
        { node: nodes[0]!, from: '127.0.0.21', name: 'a.who.test', session: 's-a' },
        { node: nodes[1]!, from: '127.0.0.22', name: 'b.who.test', session: 's-b' },
      ];
      for (const s of seen) {
        expect(await radclient(radiusPort(s.node), 'testing123', start(s.from, s.session))).toMatch(
          /Accounting-Response/,
        );
        const answer = await client('dig', [
          '-b',
          s.from,
          '@127.0.0.1',
          '-p',
          String(s.node.ports.udp),
          '+tries=1',
          '+time=3',
          s.name,
          'A',
        ]);
        expect(answer).toMatch(/status: NOERROR/);
      }
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const rows = await until(
        'both records',
        async () =>
          (
            await c.query(
              "SELECT qname, subscriber, isp FROM dns_queries WHERE qname LIKE '%.who.test' ORDER BY qname",
            )
          ).rows,
        (r) => r.length === 2,
        20_000,
      );
      const keys = await c.query('SELECT count(*) AS n FROM pseudonym_epoch_keys');
      await c.end();
      expect(rows.map((r) => [r.qname, r.isp])).toEqual([
        ['a.who.test', 'isp-a'],
        ['b.who.test', 'isp-a'],
      ]);
      expect(rows[0].subscriber).toMatch(/^p\d+-[a-z2-7]{20}$/);
      expect(rows[1].subscriber).toBe(rows[0].subscriber);
      expect(Number(keys.rows[0].n)).toBeGreaterThanOrEqual(2); // this epoch's and the next, shared

      const requested = await cli([
        'warrants',
        'request',
        '--authority',
        'Central Criminal Police',
        '--reference',
        'CCP-2026-19',
        '--crime',
        'kidnapping',
        '--subscriber',
        'isp-a/sub-42',
        '--from',
        new Date(from).toISOString(),
        '--to',
        new Date(Date.now() + 1).toISOString(),
        '--justification',
        'Ransom demands sent from this subscriber.',
      ]);
      const id = /warrant (\d+)/.exec(requested)?.[1] ?? 'none';
      await cli(['warrants', 'approve', id, '--reason', 'necessary and proportionate'], 'bob');
      await cli(['warrants', 'execute', id]);
      const json = JSON.parse(await cli(['warrants', 'results', id, '--format', 'json']));
      const names = json.records.map((r: { record: { qname: string } }) => r.record.qname).sort();
      expect(names).toEqual(['a.who.test', 'b.who.test']);
      expect(json.unlinkableEpochs).toEqual([]);
    });
  },
);

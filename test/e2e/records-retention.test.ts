/**
 * Records retention as an operator meets it: the real `gatehouse records` command against a data
 * directory holding old and fresh records and pseudonym keys (written as the gateway writes them).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsAt, flowAt } from '../../src/records/retention.fixture.js';
import { createSqliteSink } from '../../src/records/sinks/sqlite.js';
import { createHome, type GatehouseHome } from '../helpers/gateway.js';

const DAY = 86_400_000;
let home: GatehouseHome;
const now = Date.now();
const today = Math.floor(now / DAY);
const keyDir = () => join(home.dir, 'data', 'keys', 'pseudonym');
const keyFile = (epoch: number) => join(keyDir(), `epoch-${epoch}.key`);

/** Runs the CLI expecting failure; resolves with its exit code, stdout and stderr. */
const failing = (args: string[]) =>
  home.cli(args).then(
    () => null,
    (err: { code: number; stdout: string; stderr: string }) => err,
  );

beforeAll(() => {
  home = createHome();
  const sink = createSqliteSink({ path: join(home.dir, 'data', 'records.db') });
  sink.dns.write([
    dnsAt(now - 10 * DAY, { verdict: 'block', orderId: 3 }),
    dnsAt(now - 9 * DAY),
    dnsAt(now - 3_600_000, { verdict: 'block', orderId: 3, isp: 'isp-b' }),
  ]);
  sink.flows.write([
    flowAt(now - 10 * DAY, { to: '203.0.113.7', up: 10, down: 100 }),
    flowAt(now - 60_000, { listener: 'http', to: null, verdict: 'block', orderId: 3 }),
  ]);
  sink.close();
  mkdirSync(keyDir(), { recursive: true });
  for (const e of [today - 10, today - 8, today - 7, today]) writeFileSync(keyFile(e), randomBytes(32));
});

afterAll(() => home?.cleanup());

describe('gatehouse records', () => {
  it('shows per kind the retention, the oldest record and until when it is kept, and every key', async () => {
    const out = await home.cli(['records', 'retention']);
    expect(out).toMatch(/^dns\s+7d\s+\S+Z\s+\S+Z\s+records\.db dns_queries$/m);
    expect(out).toMatch(/^lease\s+7d\s+-\s+-/m);
    expect(out).toContain(`${today - 10}  `);
    const s = JSON.parse(await home.cli(['records', 'retention', '--json']));
    const dns = s.kinds.find((k: { kind: string }) => k.kind === 'dns');
    expect(dns.oldest).toBe(now - 10 * DAY);
    expect(dns.oldestKeptUntil).toBe(now - 3 * DAY);
    expect(s.keys.map((k: { epoch: number }) => k.epoch)).toEqual([today - 10, today - 8, today - 7, today]);
    expect(s.keys[0].destroyAt).toBe((today - 10 + 1 + 7) * DAY);
  });

  it('runs a pass: rolls up, deletes expired records, destroys due keys and audits it', async () => {
    const run = JSON.parse(await home.cli(['records', 'retention', '--run', '--json']));
    expect(run.run.deleted).toEqual({ dns: 2, flow: 1, lease: 0 });
    expect(run.run.aggregated).toEqual({ dns: 3, flow: 2 });
    expect(run.run.keysDestroyed).toEqual([today - 10, today - 8]);
    expect(existsSync(keyFile(today - 10))).toBe(false);
    expect(existsSync(keyFile(today - 7))).toBe(true);
    expect(run.kinds.find((k: { kind: string }) => k.kind === 'dns').oldest).toBe(now - 3_600_000);
    const log = await home.cli(['audit', 'log', '--object', `pseudonym-key/${today - 10}`]);
    expect(log).toMatch(/alice\s+records\.key-destroy\s+pseudonym-key\//);
  });

  it('prints the aggregate traffic report, including deleted records, without subscribers', async () => {
    const from = new Date((today - 30) * DAY).toISOString().slice(0, 10);
    const csv = await home.cli(['records', 'report', '--from', from, '--format', 'csv']);
    expect(csv.split('\r\n')).toEqual([
      'isp,direction,kind,records,bytes_up,bytes_down',
      'isp-a,international,flow,1,10,100',
      'isp-a,unknown,dns,2,0,0',
      'isp-a,unknown,flow,1,100,1000',
      'isp-b,unknown,dns,1,0,0',
      '',
    ]);
    expect(csv).not.toMatch(/100\.64|p0-|secret/);
    const json = JSON.parse(await home.cli(['records', 'report', '--from', from, '--format', 'json']));
    expect(json.byIsp.map((r: { isp: string; records: number }) => [r.isp, r.records])).toEqual([
      ['isp-a', 4],
      ['isp-b', 1],
    ]);
    expect(await home.cli(['records', 'report', '--from', from])).toMatch(
      /^isp-a\s+international\s+flow\s+1\s+10\s+100$/m,
    );
    const hits = JSON.parse(await home.cli(['records', 'report', '--type', 'orders', '--json']));
    expect(hits).toEqual({ 3: { dns: 2, http: 1, tls: 0, throttled: 0 } });
  });

  it.each([
    [
      'an unknown format',
      ['records', 'report', '--from', '2026-01-01', '--format', 'xml'],
      1,
      'GH_ERR_RECORDS_REPORT',
    ],
    [
      'a reversed range',
      ['records', 'report', '--from', '2026-02-01', '--to', '2026-01-01'],
      1,
      'GH_ERR_RECORDS_REPORT',
    ],
    ['no --from', ['records', 'report'], 2, 'GH_ERR_CLI_USAGE'],
  ])('refuses %s with its code', async (_name, args, code, errCode) => {
    const failure = await failing(args);
    expect(failure?.code).toBe(code);
    expect(failure?.stderr).toContain(errCode);
  });

  it('refuses a retention above 365 days, naming the key', async () => {
    const file = join(home.dir, 'long.yaml');
    writeFileSync(file, 'records:\n  retention:\n    flow: 366d\n');
    const failure = await failing(['records', 'retention', '--config', file]);
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('GH_ERR_CONFIG_INVALID');
    expect(failure?.stderr).toContain('records.retention.flow: expected 1h..365d, got 366d');
  });
});

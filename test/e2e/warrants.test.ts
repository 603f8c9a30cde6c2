import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthDns, startAuthDns } from '../fixtures/auth-dns.js';
import { client, createHome, type GatehouseHome, type RunningGateway } from '../helpers/gateway.js';
import { accountingStart, startRadiusGateway } from '../helpers/radius.js';

const SUBSCRIBER_ADDRESS = '127.0.0.61';
let home: GatehouseHome;
let upstream: AuthDns;
let gw: RunningGateway;
let windowFrom = 0;
let windowTo = 0;

const dig = (name: string) =>
  client('dig', [
    '-b',
    SUBSCRIBER_ADDRESS,
    '@127.0.0.1',
    '-p',
    String(gw.ports.udp),
    '+tries=1',
    '+time=3',
    name,
    'A',
  ]);

/** Waits until the gateway's batcher has written a query for `qname` into the records database. */
async function recorded(qname: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const db = new Database(join(home.dir, 'data', 'records.db'), { readonly: true, fileMustExist: true });
      const row = db.prepare('select 1 from dns_queries where qname = ?').get(qname);
      db.close();
      if (row) return;
    } catch {
      // not created yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no record of ${qname}`);
}

/** The GH_ERR_* code a failed CLI run printed. */
async function failure(run: Promise<string>): Promise<string | undefined> {
  const err = await run.then(
    () => undefined,
    (e: { stderr?: string }) => e,
  );
  return err === undefined ? 'succeeded' : /\[(GH_ERR_[A-Z_]+)\]/.exec(err.stderr ?? '')?.[1];
}

const requestArgs = (over: Record<string, string | null> = {}) => {
  const flags: Record<string, string | null> = {
    '--authority': 'Central Criminal Police',
    '--reference': 'CCP-2026-17',
    '--crime': 'kidnapping',
    '--subscriber': 'isp-a/sub-61',
    '--from': new Date(windowFrom).toISOString(),
    '--to': new Date(windowTo).toISOString(),
    '--justification': 'Ransom demands sent from this connection.',
    ...over,
  };
  return ['warrants', 'request', ...Object.entries(flags).flatMap(([k, v]) => (v === null ? [] : [k, v]))];
};
const idOf = (out: string) => /warrant (\d+)/.exec(out)?.[1] ?? 'none';

beforeAll(async () => {
  home = createHome();
  upstream = await startAuthDns({ answerAll: '192.0.2.99' });
  gw = await startRadiusGateway(home, ['--upstream', `127.0.0.1:${upstream.port}`]);

  const reply = await accountingStart(gw, 'sub-61', SUBSCRIBER_ADDRESS, 'w-1');
  expect(reply).toMatch(/Accounting-Response/);
  windowFrom = Date.now() - 1000;
  expect(await dig('inside-window.example')).toMatch(/status: NOERROR/);
  await recorded('inside-window.example');
  windowTo = Date.now();
  await new Promise((r) => setTimeout(r, 20));
  await dig('after-window.example');
  await recorded('after-window.example');
}, 90_000);

afterAll(async () => {
  await gw?.stop();
  await upstream?.close();
  home?.cleanup();
});

describe('a warrant for a subscriber', () => {
  let id = '';

  it('is requested, and its requester cannot approve it', async () => {
    id = idOf(await home.cli(requestArgs(), 'alice'));
    expect(await failure(home.cli(['warrants', 'approve', id], 'alice'))).toBe(
      'GH_ERR_WARRANT_SELF_APPROVAL',
    );
    expect(await failure(home.cli(['warrants', 'execute', id], 'alice'))).toBe('GH_ERR_WARRANT_STATE');
  });

  it('is approved by a judge, executed, and shows exactly the window’s records', async () => {
    await home.cli(['warrants', 'approve', id, '--reason', 'necessary and proportionate'], 'bob');
    expect(await home.cli(['warrants', 'execute', id], 'alice')).toMatch(/1 records/);
    const json = JSON.parse(await home.cli(['warrants', 'results', id, '--format', 'json'], 'alice'));
    expect(json.records.map((r: { record: { qname: string } }) => r.record.qname)).toEqual([
      'inside-window.example',
    ]);
    expect(json.records[0].record).toMatchObject({ clientAddress: SUBSCRIBER_ADDRESS, isp: 'isp-a' });
    expect(json.records[0].record.subscriber).toMatch(/^p\d+-[a-z2-7]{20}$/);
    const csv = (await home.cli(['warrants', 'results', id, '--format', 'csv'], 'bob'))
      .trimEnd()
      .split('\r\n');
    expect(csv).toHaveLength(2);
    expect(csv[1]).toContain('inside-window.example');
  });

  it('audits the request, decision, execution and every read of the results', async () => {
    const log = JSON.parse(await home.cli(['--json', 'audit', 'log', '--object', `warrant/${id}`]));
    const entries = (Array.isArray(log) ? log : log.entries) as { actor: string; action: string }[];
    expect(entries.map((e) => [e.actor, e.action])).toEqual([
      ['alice', 'warrant.request'],
      ['bob', 'warrant.approve'],
      ['alice', 'warrant.execute'],
      ['alice', 'warrant.results'],
      ['bob', 'warrant.results'],
    ]);
    expect(await home.cli(['audit', 'verify'])).toBeTruthy();
  });

  it('schedules the notification of the person concerned', async () => {
    const pending = JSON.parse(await home.cli(['--json', 'warrants', 'notifications']));
    expect(pending.map((w: { id: number }) => String(w.id))).toContain(id);
    expect(JSON.parse(await home.cli(['--json', 'warrants', 'notifications', '--overdue']))).toEqual([]);
  });
});

describe('bad input', () => {
  it('refuses a request missing a field and saves nothing', async () => {
    const before = JSON.parse(await home.cli(['--json', 'warrants', 'list'])).length;
    expect(await failure(home.cli(requestArgs({ '--reference': null }), 'alice'))).toBe(
      'GH_ERR_WARRANT_INVALID',
    );
    expect(await failure(home.cli(requestArgs({ '--crime': 'littering' }), 'alice'))).toBe(
      'GH_ERR_WARRANT_INVALID',
    );
    expect(JSON.parse(await home.cli(['--json', 'warrants', 'list']))).toHaveLength(before);
  });

  it('refuses the results of an urgent warrant refused on review (sealed)', async () => {
    const urgent = idOf(await home.cli([...requestArgs(), '--urgent'], 'alice'));
    expect(await home.cli(['warrants', 'execute', urgent], 'alice')).toMatch(/review due by/);
    await home.cli(
      ['warrants', 'review', urgent, '--outcome', 'refused', '--reason', 'no urgency shown'],
      'bob',
    );
    expect(await failure(home.cli(['warrants', 'results', urgent], 'alice'))).toBe('GH_ERR_WARRANT_SEALED');
  });
});

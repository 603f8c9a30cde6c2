/**
 * Subscribers as the gateway sees them: an ISP's NAS sends real RADIUS accounting (radclient),
 * and the next query from that address is decided and recorded for that subscriber, under a
 * pseudonym, never the subscriber id.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthDns, startAuthDns } from '../fixtures/auth-dns.js';
import {
  client,
  createHome,
  type GatehouseHome,
  type RunningGateway,
  startGateway,
} from '../helpers/gateway.js';
import { radiusPort as boundRadiusPort, radclient } from '../helpers/radius.js';

const _run = promisify(execFile);
let home: GatehouseHome;
let upstream: AuthDns;
let gw: RunningGateway;
let radiusPort = 0;

const acct = (attributes: string, secret = 'testing123') => radclient(radiusPort, secret, attributes);

const dig = (from: string, name: string, transport: 'udp' | 'tcp' = 'udp') =>
  client('dig', [
    '-b',
    from,
    '@127.0.0.1',
    '-p',
    String(gw.ports[transport]),
    '+tries=1',
    '+time=3',
    transport === 'tcp' ? '+tcp' : '+notcp',
    name,
    'A',
  ]);

beforeAll(async () => {
  home = createHome();
  upstream = await startAuthDns({ answerAll: '192.0.2.99' });
  const config = join(home.dir, 'gatehouse.yaml');
  writeFileSync(
    config,
    'radius:\n  clients:\n    - { address: 127.0.0.1, isp: isp-a, secret: testing123 }\n',
  );
  const out = await home.cli([
    'orders',
    'create',
    '--title',
    'ISP A order',
    '--authority',
    'Regulator',
    '--authority-kind',
    'regulator',
    '--instrument',
    'Telecom Act',
    '--article',
    'art. 3',
    '--decision-ref',
    'R-1',
    '--notice',
    'isp a only',
    '--appeal',
    'mailto:a@example.org',
    '--expires',
    '+1d',
    '--scope',
    'isp:isp-a',
    '--target',
    'isp-only.example',
  ]);
  await home.cli(['orders', 'approve', /order (\d+)/.exec(out)?.[1] ?? '1'], 'bob');
  gw = await startGateway(home, [
    '--config',
    config,
    '--upstream',
    `127.0.0.1:${upstream.port}`,
    '--radius',
    '127.0.0.1:0',
  ]);
  radiusPort = boundRadiusPort(gw);
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await upstream?.close();
  home?.cleanup();
});

describe('RADIUS accounting to policy and records', () => {
  it('applies an ISP-scoped order only once accounting says who holds the address', async () => {
    expect(await dig('127.0.0.42', 'isp-only.example')).toMatch(/status: NOERROR/);
    const reply = await acct(
      'Acct-Status-Type = Start\nUser-Name = "sub-42"\nFramed-IP-Address = 127.0.0.42\nAcct-Session-Id = "s-1"\nNAS-IP-Address = 127.0.0.1\n',
    );
    expect(reply).toMatch(/Accounting-Response/);
    expect(await dig('127.0.0.42', 'isp-only.example')).toMatch(/EDE: 16/);
    expect(await dig('127.0.0.43', 'isp-only.example')).toMatch(/status: NOERROR/);
    // Over TCP the connection's address is parsed once and looked up by number, as over UDP.
    expect(await dig('127.0.0.42', 'isp-only.example', 'tcp')).toMatch(/EDE: 16/);
    expect(await dig('127.0.0.43', 'isp-only.example', 'tcp')).toMatch(/status: NOERROR/);
  });

  it('records the query under a pseudonym, never the subscriber id', async () => {
    await dig('127.0.0.42', 'recorded.example');
    await new Promise((r) => setTimeout(r, 2_000));
    const db = new Database(join(home.dir, 'data', 'records.db'), { readonly: true });
    const row = db
      .prepare("select subscriber, isp from dns_queries where qname = 'recorded.example'")
      .get() as { subscriber: string; isp: string } | undefined;
    db.close();
    expect(row?.isp).toBe('isp-a');
    expect(row?.subscriber).toMatch(/^p\d+-[a-z2-7]{20}$/);
    expect(row?.subscriber).not.toContain('sub-42');
  });

  it('drops accounting with the wrong secret, unanswered', async () => {
    const reply = await acct(
      'Acct-Status-Type = Start\nUser-Name = "x"\nFramed-IP-Address = 127.0.0.44\nAcct-Session-Id = "s-2"\n',
      'wrong',
    );
    expect(reply).not.toMatch(/Accounting-Response/);
    const metrics = await (await fetch(`http://127.0.0.1:${gw.ports.http}/metrics`)).text();
    expect(metrics).toMatch(/gatehouse_radius_dropped_total\{reason="bad-authenticator"\} 1/);
  });

  it('closes the lease on Stop', async () => {
    await acct(
      'Acct-Status-Type = Stop\nUser-Name = "sub-42"\nFramed-IP-Address = 127.0.0.42\nAcct-Session-Id = "s-1"\nNAS-IP-Address = 127.0.0.1\n',
    );
    expect(await dig('127.0.0.42', 'isp-only.example')).toMatch(/status: NOERROR/);
  });
});

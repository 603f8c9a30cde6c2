/**
 * The control plane as an operator meets it: `gatehouse start --http 127.0.0.1:0`, curl with a
 * cookie jar per person. The first admin signs in with the one-time password from the log, sets a
 * password, enrols TOTP and creates an operator and a judge; the operator creates an order, the
 * judge approves it, and `dig` answers EDE 16 for its domain within seconds.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totp } from '../../src/control/totp.js';
import {
  client,
  createHome,
  type GatehouseHome,
  type RunningGateway,
  startGateway,
} from '../helpers/gateway.js';

const run = promisify(execFile);
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;
let home: GatehouseHome;
let gw: RunningGateway;

/** One person's curl with their own cookie jar; sends the CSRF cookie back as the header. */
function person(name: string) {
  const jar = join(home.dir, `${name}.jar`);
  const csrf = () => {
    try {
      return /\tgh_csrf\t(\S+)/.exec(readFileSync(jar, 'utf8'))?.[1] ?? '';
    } catch {
      return '';
    }
  };
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> => {
    const args = [
      '-s',
      '-b',
      jar,
      '-c',
      jar,
      '-X',
      method,
      '-w',
      '\n%{http_code}',
      '-H',
      `x-csrf-token: ${csrf()}`,
    ];
    if (body !== undefined)
      args.push('-H', 'content-type: application/json', '--data-binary', JSON.stringify(body));
    const { stdout } = await run('curl', [...args, `http://127.0.0.1:${gw.ports.http}${path}`]);
    const cut = stdout.lastIndexOf('\n');
    const text = stdout.slice(0, cut);
    return { status: Number(stdout.slice(cut + 1)), json: text ? JSON.parse(text) : null };
  };
}

/** Signs in with a one-time password, sets `password`, enrols TOTP; returns the curl. */
async function onboard(name: string, oneTime: string, password: string) {
  const as = person(name);
  expect((await as('POST', '/api/session', { name, password: oneTime })).json.user.mustChangePassword).toBe(
    true,
  );
  expect((await as('POST', '/api/session/password', { current: oneTime, next: password })).status).toBe(204);
  const { secret } = (await as('POST', '/api/session/totp')).json;
  const code = totp(base32Decode(secret), Date.now());
  expect((await as('POST', '/api/session/totp/confirm', { code })).json.recoveryCodes).toHaveLength(10);
  return as;
}

beforeAll(async () => {
  home = createHome();
  gw = await startGateway(home, ['--upstream', '127.0.0.1:9', '--proxy', '127.0.0.1:0']);
});
afterAll(async () => {
  await gw?.stop();
  home?.cleanup();
});

describe('the control plane over HTTP', () => {
  it('takes an order from sign-in to EDE 16 with two people', async () => {
    const line = gw.log.find((l) => l.includes('oneTimePassword'));
    const adminOtp = (JSON.parse(line!) as { oneTimePassword: string }).oneTimePassword;
    const admin = await onboard('admin', adminOtp, 'admin password for tests');
    const made: Record<string, string> = {};
    for (const [name, role] of [
      ['olga', 'operator'],
      ['judge', 'approver'],
    ]) {
      const res = await admin('POST', '/api/users', { name, roles: [role] });
      expect(res.status).toBe(201);
      made[name] = res.json.oneTimePassword;
    }
    const olga = await onboard('olga', made.olga, 'olga password for tests');
    const judge = await onboard('judge', made.judge, 'judge password for tests');
    const created = await olga('POST', '/api/orders', {
      title: 'E2E order',
      authority: { name: 'Test District Court', kind: 'court' },
      legalBasis: { instrument: 'Test Act', article: 'art. 5' },
      decisionRef: 'E2E-1',
      scope: { kind: 'national' },
      action: { kind: 'block' },
      disclosure: { notice: 'Blocked in the e2e test', appeal: ['mailto:appeals@example.org'] },
      expiresAt: Date.now() + 86_400_000,
      targets: ['casino-e2e.test'],
    });
    expect(created.status).toBe(201);
    const id = created.json.order.id;
    expect((await olga('POST', `/api/orders/${id}/submit`)).json.order.status).toBe('pending-approval');
    expect((await olga('POST', `/api/orders/${id}/approve`)).status).toBe(403);
    expect((await judge('POST', `/api/orders/${id}/approve`)).json.order.status).toBe('active');
    const deadline = Date.now() + 5000;
    let out = '';
    while (Date.now() < deadline) {
      out = await client('dig', [
        '@127.0.0.1',
        '-p',
        String(gw.ports.udp),
        '+tries=1',
        '+time=2',
        'casino-e2e.test',
      ]);
      if (out.includes('EDE: 16')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(out).toMatch(/EDE: 16 \(Censored\)/);
    expect(out).toContain(`/notices/${id}`);
  }, 60_000);

  it('keeps /healthz public and signs nobody in without a password', async () => {
    const anon = person('anon');
    expect((await anon('GET', '/healthz')).json.status).toBe('ok');
    expect((await anon('GET', '/api/orders')).status).toBe(401);
    expect((await anon('POST', '/api/session', { name: 'admin', password: 'guess' })).json.code).toBe(
      'GH_ERR_AUTH_FAILED',
    );
  });
});

/**
 * `gatehouse demo` against a running gateway, as the README's quick start uses it: the order is in
 * the store at once, but the running gateway applies it at its next compile. `demo` returns only
 * once the gateway reports a policy holding it, so the dig the README suggests next is blocked and
 * never forwarded upstream (where, with the default upstream, it would leave the machine).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthDns, startAuthDns } from '../fixtures/auth-dns.js';
import { createHome, type GatehouseHome, type RunningGateway, startGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';

const run = promisify(execFile);
let home: GatehouseHome;
let upstream: AuthDns;
let gw: RunningGateway;
let config = '';

beforeAll(async () => {
  home = createHome();
  upstream = await startAuthDns({ answerAll: '192.0.2.99', log: true });
  const http = await freePort();
  config = join(home.dir, 'gatehouse.yaml');
  writeFileSync(config, `http:\n  listen: 127.0.0.1:${http}\n`);
  gw = await startGateway(home, [
    '--config',
    config,
    '--http',
    `127.0.0.1:${http}`,
    '--upstream',
    `127.0.0.1:${upstream.port}`,
  ]);
  expect(gw.ports.http).toBe(http);
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await upstream?.close();
  home?.cleanup();
});

describe('gatehouse demo with the gateway running', () => {
  it('returns once the gateway applies the order, so the next dig is blocked and stays local', async () => {
    const out = await home.cli(['--config', config, 'demo']);
    expect(out).toMatch(/demo order 1 created/);
    expect(out).not.toMatch(/not applied|no gateway answers/);
    const { stdout } = await run('dig', [
      '@127.0.0.1',
      '-p',
      String(gw.ports.udp),
      '+tries=1',
      '+time=3',
      'blocked.example',
      'A',
    ]);
    expect(stdout).toMatch(/status: NXDOMAIN/);
    expect(stdout).toMatch(/EDE: 16 \(Censored\)/);
    expect(upstream.log.map((q) => q.name)).not.toContain('blocked.example');
  });

  it('says so when no gateway answers at the configured address', async () => {
    const other = createHome();
    try {
      const port = await freePort();
      const file = join(other.dir, 'gatehouse.yaml');
      writeFileSync(file, `http:\n  listen: 127.0.0.1:${port}\n`);
      const out = await other.cli(['--config', file, 'demo']);
      expect(out).toMatch(/demo order 1 created/);
      expect(out).toMatch(new RegExp(`no gateway answers at http://127\\.0\\.0\\.1:${port}/healthz`));
    } finally {
      other.cleanup();
    }
  });
});

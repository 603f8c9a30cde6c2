/**
 * The proxy as a user meets it through `gatehouse start`: names resolved through the gateway's
 * own DNS (a local authoritative fixture upstream), orders made with the CLI, real curl.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthDns, startAuthDns } from '../fixtures/auth-dns.js';
import { createHome, type GatehouseHome, type RunningGateway, startGateway } from '../helpers/gateway.js';

const run = promisify(execFile);
let home: GatehouseHome;
let upstream: AuthDns;
let origin: Server;
let originPort: number;
let gw: RunningGateway;

const curl = async (args: string[]) => (await run('curl', ['-s', '--max-time', '10', ...args])).stdout;

beforeAll(async () => {
  home = createHome();
  upstream = await startAuthDns({
    zones: {
      test: {
        records: {
          'allowed.test': { type: 'A', data: '127.0.0.1' },
          'www.blocked.test': { type: 'A', data: '127.0.0.1' },
        },
      },
    },
  });
  origin = createServer((req, res) => res.end(`hello from the origin: ${req.url}`));
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', () => r()));
  originPort = (origin.address() as AddressInfo).port;
  const out = await home.cli([
    'orders',
    'create',
    '--title',
    'Proxy test order',
    '--authority',
    'Test Court',
    '--authority-kind',
    'court',
    '--instrument',
    'Test Act',
    '--article',
    'art. 9',
    '--decision-ref',
    'P-1',
    '--notice',
    'blocked for the test',
    '--appeal',
    'mailto:appeals@example.org',
    '--expires',
    '+1d',
    '--target',
    'blocked.test',
  ]);
  const id = /order (\d+) created/.exec(out)?.[1] ?? '1';
  await home.cli(['orders', 'approve', id], 'bob');
  gw = await startGateway(home, ['--upstream', `127.0.0.1:${upstream.port}`, '--proxy', '127.0.0.1:0']);
  const started = JSON.parse(gw.log.find((l) => l.includes('"gatehouse started"')) ?? '{}') as {
    proxy: string[];
  };
  gw.ports.proxy = Number(started.proxy[0].split(':').pop());
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await upstream?.close();
  await new Promise((r) => origin?.close(r));
  home?.cleanup();
});

describe('explicit proxy through the gateway', () => {
  it('passes an allowed page from the origin', async () => {
    const body = await curl([
      '-x',
      `http://127.0.0.1:${gw.ports.proxy}`,
      `http://allowed.test:${originPort}/page`,
    ]);
    expect(body).toBe('hello from the origin: /page');
  });

  it('answers a blocked host with 451, rel="blocked-by" and the notice', async () => {
    const out = await curl([
      '-i',
      '-x',
      `http://127.0.0.1:${gw.ports.proxy}`,
      `http://www.blocked.test:${originPort}/`,
    ]);
    expect(out).toMatch(/^HTTP\/1\.1 451 Unavailable For Legal Reasons/);
    expect(out).toMatch(
      new RegExp(`link: <http://127\\.0\\.0\\.1:${gw.ports.http}/notices/1>; rel="blocked-by"`, 'i'),
    );
    expect(out).toMatch(/cache-control: no-store/i);
    expect(out).toContain('Test Court');
    expect(out).toContain('Test Act, art. 9');
  });

  it('serves the notice page the 451 links to', async () => {
    const page = await curl([`http://127.0.0.1:${gw.ports.http}/notices/1`]);
    expect(page).toContain('Proxy test order');
    const json = JSON.parse(
      await curl(['-H', 'accept: application/json', `http://127.0.0.1:${gw.ports.http}/notices/1`]),
    );
    expect(json.decisionRef).toBe('P-1');
  });

  it('lists live connections and refuses to end any without an order in force', async () => {
    const node = `http://127.0.0.1:${gw.ports.http}`;
    expect(await home.cli(['connections', 'list', '--node', node])).toMatch(/no live connections|→/);
    await expect(home.cli(['connections', 'end', '--order', '999', '--node', node])).rejects.toThrow(
      /not in force/,
    );
    expect(await home.cli(['connections', 'end', '--order', '1', '--node', node])).toMatch(
      /ended 0 connection/,
    );
  });
});

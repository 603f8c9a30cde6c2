/**
 * A throttle order on `class:international` through `gatehouse start` (dist/), as an operator
 * makes it: `proxy.domesticPrefixes: [127.0.0.1/32]`, so an origin on 127.0.0.2 is international
 * and one on 127.0.0.1 domestic. Names resolve through the gateway's own DNS (a local
 * authoritative fixture), the order is made and approved with the CLI, downloads use real curl.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthDns, startAuthDns } from '../fixtures/auth-dns.js';
import {
  client,
  createHome,
  type GatehouseHome,
  type RunningGateway,
  startGateway,
} from '../helpers/gateway.js';

const run = promisify(execFile);
const RATE = 128 * 1024;
const SIZE = Math.round(2.5 * RATE);

let home: GatehouseHome;
let config: string;
let upstream: AuthDns;
const origins: Server[] = [];
const ports: Record<string, number> = {};
let gw: RunningGateway;
let proxyPort = 0;

/** Serves `/bytes/N`: N bytes. */
async function startOrigin(host: string): Promise<number> {
  const server = createServer((req, res) => {
    const n = Number((req.url ?? '').slice('/bytes/'.length)) || 0;
    res.writeHead(200, { 'content-length': n });
    res.end(Buffer.alloc(n, 7));
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  origins.push(server);
  return (server.address() as AddressInfo).port;
}

/** Bytes per second curl measured for one download through the proxy. */
async function download(name: string): Promise<{ rate: number; bytes: number; seconds: number }> {
  const { stdout } = await run('curl', [
    '-sS',
    '--max-time',
    '20',
    '-o',
    '/dev/null',
    '-w',
    '%{size_download} %{time_total}',
    '-x',
    `http://127.0.0.1:${proxyPort}`,
    `http://${name}:${ports[name]}/bytes/${SIZE}`,
  ]);
  const [bytes, seconds] = stdout.split(' ').map(Number);
  return { rate: bytes / seconds, bytes, seconds };
}

beforeAll(async () => {
  home = createHome();
  config = join(home.dir, 'gatehouse.yaml');
  writeFileSync(config, 'proxy:\n  domesticPrefixes: [127.0.0.1/32]\n');
  upstream = await startAuthDns({
    zones: {
      test: {
        records: {
          'home.test': { type: 'A', data: '127.0.0.1' },
          'abroad.test': { type: 'A', data: '127.0.0.2' },
        },
      },
    },
  });
  ports['home.test'] = await startOrigin('127.0.0.1');
  ports['abroad.test'] = await startOrigin('127.0.0.2');
  // biome-ignore format: one flag and its value per line
  const out = await home.cli([
    '--config', config,
    'orders', 'create',
    '--title', 'Slow international traffic',
    '--authority', 'Test Court', '--authority-kind', 'court',
    '--instrument', 'Test Telecoms Act', '--article', 'art. 4',
    '--decision-ref', 'C-4',
    '--action', `throttle:${RATE}`,
    '--notice', 'international traffic is slowed by court order C-4',
    '--appeal', 'mailto:appeals@example.org',
    '--expires', '+1d',
    '--target', 'class:international',
  ]);
  const id = /order (\d+) created/.exec(out)?.[1] ?? '1';
  await home.cli(['--config', config, 'orders', 'approve', id], 'bob');
  gw = await startGateway(home, [
    '--config',
    config,
    '--upstream',
    `127.0.0.1:${upstream.port}`,
    '--proxy',
    '127.0.0.1:0',
  ]);
  const started = JSON.parse(gw.log.find((l) => l.includes('"gatehouse started"')) ?? '{}') as {
    proxy: string[];
  };
  proxyPort = Number(started.proxy[0].split(':').pop());
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await upstream?.close();
  for (const o of origins) await new Promise((r) => o.close(r));
  home?.cleanup();
});

describe('a throttle order on class:international', () => {
  it('slows an international download to the ordered rate and leaves a domestic one alone', async () => {
    const [abroad, domestic] = await Promise.all([download('abroad.test'), download('home.test')]);
    console.info(
      `class throttle: international ${(abroad.rate / 1024).toFixed(1)} KiB/s over ${abroad.seconds.toFixed(2)} s (ordered ${RATE / 1024}); domestic ${(domestic.rate / 1024).toFixed(0)} KiB/s`,
    );
    expect([abroad.bytes, domestic.bytes]).toEqual([SIZE, SIZE]);
    expect(Math.abs(abroad.rate - RATE) / RATE).toBeLessThan(0.1);
    // Unthrottled on loopback: the whole body in a fraction of the throttled time.
    expect(domestic.rate).toBeGreaterThan(2 * RATE);
  });

  it('is ignored at DNS: the international name resolves normally', async () => {
    const answer = await client('dig', ['@127.0.0.1', '-p', String(gw.ports.udp), '+short', 'abroad.test']);
    expect(answer.trim()).toBe('127.0.0.2');
  });

  it('explains itself for an international address, and not for a domestic one', async () => {
    const abroad = JSON.parse(await home.cli(['--config', config, '--json', 'policy', 'check', '127.0.0.2']));
    expect(abroad.decision).toMatchObject({ action: 'throttle', reason: 'destination-class', rateBps: RATE });
    expect(abroad.explanation).toContain('applies to international destinations');
    const domestic = JSON.parse(
      await home.cli(['--config', config, '--json', 'policy', 'check', '127.0.0.1']),
    );
    expect(domestic.decision.action).toBe('none');
  });

  it('is refused when no domestic prefixes are configured', async () => {
    const err = await home
      .cli([
        'orders',
        'create',
        '--title',
        'x',
        '--authority',
        'Test Court',
        '--instrument',
        'Act',
        '--article',
        '1',
        '--decision-ref',
        'C-5',
        '--notice',
        'n',
        '--appeal',
        'mailto:a@example.org',
        '--expires',
        '+1d',
        '--target',
        'class:international',
      ])
      .catch((e: { stderr?: string }) => e.stderr ?? '');
    expect(err).toContain('GH_ERR_TARGET_CLASS_UNCONFIGURED');
  });
});

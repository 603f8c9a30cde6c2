/**
 * The DNS gateway as a user meets it: `gatehouse start` as a process, a local authoritative
 * upstream on 127.0.0.1, orders created with the CLI, and real clients (dig, kdig) over UDP,
 * TCP, DNS over TLS and DNS over HTTPS.
 */
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthDns, startAuthDns } from '../fixtures/auth-dns.js';
import {
  client,
  createHome,
  type GatehouseHome,
  type RunningGateway,
  startGateway,
} from '../helpers/gateway.js';

let home: GatehouseHome;
let upstream: AuthDns;
let gw: RunningGateway;

const court = [
  '--authority',
  'Test District Court',
  '--authority-kind',
  'court',
  '--instrument',
  'Test Act',
  '--article',
  'art. 5',
  '--appeal',
  'mailto:appeals@example.org',
];

async function order(title: string, extra: string[]): Promise<number> {
  const out = await home.cli([
    'orders',
    'create',
    '--title',
    title,
    ...court,
    '--decision-ref',
    `ref-${title}`,
    '--notice',
    `notice for ${title}`,
    ...extra,
  ]);
  const id = Number(/order (\d+) created/.exec(out)?.[1]);
  await home.cli(['orders', 'approve', String(id)], 'bob');
  return id;
}

const dig = (args: string[]) =>
  client('dig', ['@127.0.0.1', '-p', String(gw.ports.udp), '+tries=1', '+time=3', ...args]);

beforeAll(async () => {
  home = createHome();
  upstream = await startAuthDns({
    zones: {
      'example.test': {
        records: {
          www: { type: 'A', data: '192.0.2.10' },
          via: { type: 'CNAME', data: 'www.blocked.test' },
          dodgy: { type: 'A', data: '198.51.100.66' },
          later: { type: 'A', data: '192.0.2.30' },
          fresh: { type: 'A', data: '192.0.2.50' },
        },
        minimum: 60,
      },
      'blocked.test': {
        records: { www: { type: 'A', data: '192.0.2.20' }, '@': { type: 'A', data: '192.0.2.21' } },
      },
      'google.com': {
        records: {
          www: { type: 'A', data: '192.0.2.40' },
          forcesafesearch: { type: 'A', data: '216.239.38.120' },
        },
      },
    },
  });
  await order('blocked', ['--expires', '+30d', '--target', 'blocked.test']);
  await order('addresses', ['--expires', '+30d', '--target', '198.51.100.0/24']);
  await order('safe', ['--expires', '+30d', '--action', 'safe-search', '--target', 'google.com']);
  await order('short', ['--expires', '+8s', '--target', 'later.example.test']);
  gw = await startGateway(home, [
    '--upstream',
    `127.0.0.1:${upstream.port}`,
    '--set',
    'dns.sdeOptionCode=65001',
  ]);
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await upstream?.close();
  home?.cleanup();
});

describe('answers', () => {
  it('resolves an allowed name over UDP and serves the repeat from cache', async () => {
    const first = await dig(['www.example.test', 'A']);
    expect(first).toMatch(/status: NOERROR/);
    expect(first).toMatch(/www\.example\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.10/);
    const before = upstream.queries;
    const again = await dig(['www.example.test', 'A']);
    expect(again).toMatch(/192\.0\.2\.10/);
    expect(upstream.queries).toBe(before);
  });

  it('answers over TCP', async () => {
    const out = await client('dig', [
      '@127.0.0.1',
      '-p',
      String(gw.ports.tcp),
      '+tcp',
      'www.example.test',
      'A',
    ]);
    expect(out).toMatch(/192\.0\.2\.10/);
  });

  it('answers over DNS over TLS (kdig +tls)', async () => {
    const out = await client('kdig', [
      '@127.0.0.1',
      '-p',
      String(gw.ports.dot),
      '+tls',
      'www.example.test',
      'A',
    ]);
    expect(out).toMatch(/192\.0\.2\.10/);
  });

  it('answers over DNS over HTTPS (kdig +https, HTTP/2)', async () => {
    const out = await client('kdig', [
      '@127.0.0.1',
      '-p',
      String(gw.ports.doh),
      '+https',
      'www.example.test',
      'A',
    ]);
    expect(out).toMatch(/192\.0\.2\.10/);
  });

  it('answers over DNS over HTTPS (dig +https)', async () => {
    const out = await client('dig', [
      '@127.0.0.1',
      '-p',
      String(gw.ports.doh),
      '+https',
      '+tries=1',
      'www.example.test',
      'A',
    ]);
    expect(out).toMatch(/192\.0\.2\.10/);
  });
});

describe('disclosed blocks', () => {
  it('shows EDE 16 Censored with the order in dig, and a 10 s SOA', async () => {
    const out = await dig(['www.blocked.test', 'A']);
    expect(out).toMatch(/status: NXDOMAIN/);
    expect(out).toMatch(/EDE: 16 \(Censored\)/);
    expect(out).toContain('Test District Court');
    expect(out).toContain('Test Act, art. 5');
    expect(out).toMatch(/http:\/\/127\.0\.0\.1:\d+\/notices\/1/);
    expect(out).not.toContain(':0/notices');
    expect(out).toMatch(/IN\s+SOA\s+.*\s10$/m);
  });

  it('shows the same in kdig', async () => {
    // kdig sends no EDNS unless asked, and RFC 6891 §7 forbids an OPT (so an EDE) in the answer.
    const out = await client('kdig', [
      '@127.0.0.1',
      '-p',
      String(gw.ports.udp),
      '+edns',
      'blocked.test',
      'A',
    ]);
    expect(out).toMatch(/NXDOMAIN/);
    expect(out).toMatch(/EDE: 16 \(Censored\)/);
  });

  it('sends the structured JSON when the client signals support', async () => {
    const out = await dig(['+ednsopt=65001', 'blocked.test', 'A']);
    expect(out).toMatch(/EDE: 16 \(Censored\): \(\{"/);
    expect(out).toContain('"j":"Censored by order 1');
    expect(out).toContain('"o":"Test District Court"');
    expect(out).toContain('"l":"en"');
  });

  it('blocks a name reached through a CNAME and says so', async () => {
    const out = await dig(['via.example.test', 'A']);
    expect(out).toMatch(/status: NXDOMAIN/);
    expect(out).toMatch(/EDE: 16 \(Censored\).*reached through CNAME www\.blocked\.test/);
  });

  it('blocks an answer address inside a blocked prefix', async () => {
    const out = await dig(['dodgy.example.test', 'A']);
    expect(out).toMatch(/status: NXDOMAIN/);
    expect(out).toMatch(/answer address 198\.51\.100\.66/);
  });

  it('rewrites safe search to the engine’s safe host as a CNAME chain', async () => {
    const out = await dig(['www.google.com', 'A']);
    expect(out).toMatch(/www\.google\.com\.\s+\d+\s+IN\s+CNAME\s+forcesafesearch\.google\.com\./);
    expect(out).toMatch(/forcesafesearch\.google\.com\.\s+\d+\s+IN\s+A\s+216\.239\.38\.120/);
  });

  it('lets an order expire while we watch', async () => {
    expect(await dig(['later.example.test', 'A'])).toMatch(/EDE: 16/);
    await new Promise((r) => setTimeout(r, 9_000));
    const out = await dig(['later.example.test', 'A']);
    expect(out).toMatch(/status: NOERROR/);
    expect(out).toMatch(/192\.0\.2\.30/);
    expect(out).not.toMatch(/EDE/);
  }, 20_000);

  it('takes a new order into force within a second, without a restart', async () => {
    expect(await dig(['fresh.example.test', 'A'])).toMatch(/192\.0\.2\.50/);
    await order('new', ['--expires', '+1d', '--target', '=fresh.example.test']);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await dig(['fresh.example.test', 'A'])).toMatch(/EDE: 16/);
  });
});

describe('bad input', () => {
  const send = (bytes: Buffer) =>
    new Promise<Buffer | null>((resolve) => {
      const s = createSocket('udp4');
      const t = setTimeout(() => {
        s.close();
        resolve(null);
      }, 1000);
      s.on('message', (m) => {
        clearTimeout(t);
        s.close();
        resolve(m);
      });
      s.send(bytes, gw.ports.udp, '127.0.0.1');
    });

  it('answers FORMERR to two questions and NOTIMP to an unknown opcode, drops a short header', async () => {
    const header = (flags: number, qd: number) =>
      Buffer.from([0xab, 0xcd, flags >> 8, flags & 0xff, 0, qd, 0, 0, 0, 0, 0, 0]);
    const q = Buffer.from([3, 0x77, 0x77, 0x77, 0, 0, 1, 0, 1]);
    const two = await send(Buffer.concat([header(0x0100, 2), q, q]));
    expect((two?.[3] ?? -1) & 0x0f).toBe(1);
    const opcode = await send(Buffer.concat([header(0x2100, 1), q]));
    expect((opcode?.[3] ?? -1) & 0x0f).toBe(4);
    expect(await send(Buffer.from([1, 2, 3]))).toBeNull();
    expect(await dig(['www.example.test', 'AAAA'])).toMatch(/status: NOERROR/);
  });

  it('survives a burst of random datagrams and keeps answering', async () => {
    const s = createSocket('udp4');
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.alloc(12 + (i % 200));
      for (let k = 0; k < b.length; k++) b[k] = (i * 31 + k * 7) & 0xff;
      b[2] &= 0x7f;
      s.send(b, gw.ports.udp, '127.0.0.1');
    }
    await new Promise((r) => setTimeout(r, 300));
    s.close();
    expect(await dig(['www.blocked.test', 'A'])).toMatch(/EDE: 16/);
    expect(gw.process.exitCode).toBeNull();
  });
});

describe('records and metrics', () => {
  it('records every query and exposes counters with bounded labels', async () => {
    await new Promise((r) => setTimeout(r, 1_500));
    const health = (await (await fetch(`http://127.0.0.1:${gw.ports.http}/healthz`)).json()) as {
      records: { dns: { written: number; dropped: number } };
    };
    expect(health.records.dns.written).toBeGreaterThan(10);
    expect(health.records.dns.dropped).toBe(0);
    const metrics = await (await fetch(`http://127.0.0.1:${gw.ports.http}/metrics`)).text();
    expect(metrics).toMatch(
      /gatehouse_dns_queries_total\{transport="udp",rcode="3",verdict="block",isp="[a-z0-9-]+"\} \d+/,
    );
    expect(metrics).not.toContain('blocked.test');
  });
});

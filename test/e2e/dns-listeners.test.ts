/**
 * The DNS listeners against the real clients a user would point at them: dig (UDP, TCP,
 * DoH over HTTP/2), kdig (DoT, DoH) and curl (DoH over HTTP/1.1 and HTTP/2).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type BoundListener, createListeners, type ListenerSet } from '../../src/dns/listeners/index.js';
import { answerHandler } from '../../src/dns/listeners/testing.js';
import { ensureCertificate } from '../../src/dns/tls-cert.js';

const run = promisify(execFile);
let dir: string;
let caFile: string;
let set: ListenerSet;
let bound: BoundListener[];

const port = (transport: string): string => String(bound.find((b) => b.transport === transport)?.port);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gh-e2e-listeners-'));
  const cert = await ensureCertificate({ dataDir: dir });
  caFile = cert.certFile;
  set = createListeners(
    { udp: ['127.0.0.1:0'], dot: ['127.0.0.1:0'], doh: ['127.0.0.1:0'], tls: cert },
    answerHandler(300),
  );
  bound = await set.start();
});

afterAll(async () => {
  await set?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function client(file: string, args: string[]): Promise<string> {
  const { stdout } = await run(file, args, { timeout: 15_000 });
  return stdout;
}

describe('dig and kdig', () => {
  test.each<[string, string, () => string[]]>([
    ['dig over UDP', '/usr/bin/dig', () => ['-p', port('udp'), '+tries=1', '+time=3']],
    ['dig +tcp', '/usr/bin/dig', () => ['-p', port('tcp'), '+tcp', '+tries=1', '+time=3']],
    ['dig +https (HTTP/2 POST)', '/usr/bin/dig', () => ['-p', port('doh'), '+https', '+tries=1', '+time=3']],
    [
      'dig +https-get (HTTP/2 GET)',
      '/usr/bin/dig',
      () => ['-p', port('doh'), '+https-get', '+tries=1', '+time=3'],
    ],
    [
      'kdig +tls with the CA',
      '/usr/bin/kdig',
      () => ['-p', port('dot'), `+tls-ca=${caFile}`, '+tls-hostname=localhost', '+timeout=3'],
    ],
    ['kdig +tls (opportunistic)', '/usr/bin/kdig', () => ['-p', port('dot'), '+tls', '+timeout=3']],
    [
      'kdig +https',
      '/usr/bin/kdig',
      () => ['-p', port('doh'), '+https', `+tls-ca=${caFile}`, '+tls-hostname=localhost', '+timeout=3'],
    ],
  ])('%s resolves example.com', async (_name, file, args) => {
    const out = await client(file, ['@127.0.0.1', ...args(), 'example.com', 'A', '+short']);
    expect(out.trim()).toBe('192.0.2.1');
  });
});

describe('curl against DoH', () => {
  const query = dnsPacket.encode({
    type: 'query',
    id: 0,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: 'A', name: 'example.com' }],
  });

  async function curl(extra: string[]): Promise<{ head: string; body: Buffer }> {
    const bodyFile = join(dir, `body-${Math.random()}`);
    const base = ['-sS', '--fail', '--cacert', caFile, '--resolve', `localhost:${port('doh')}:127.0.0.1`];
    const head = await client('/usr/bin/curl', [...base, '-D', '-', '-o', bodyFile, ...extra]);
    const { readFileSync } = await import('node:fs');
    return { head: head.toLowerCase(), body: readFileSync(bodyFile) };
  }

  test.each([
    ['HTTP/1.1', '--http1.1', 'http/1.1 200'],
    ['HTTP/2', '--http2', 'http/2 200'],
  ])('POST over %s', async (_name, flag, status) => {
    const queryFile = join(dir, 'query.bin');
    writeFileSync(queryFile, query);
    const r = await curl([
      flag,
      '-H',
      'content-type: application/dns-message',
      '--data-binary',
      `@${queryFile}`,
      `https://localhost:${port('doh')}/dns-query`,
    ]);
    expect(r.head).toContain(status);
    expect(r.head).toContain('content-type: application/dns-message');
    expect(r.head).toContain(`content-length: ${r.body.length}`);
    expect(r.head).toContain('cache-control: max-age=300');
    expect(dnsPacket.decode(r.body).answers?.[0]).toMatchObject({ name: 'example.com', data: '192.0.2.1' });
  });

  test('GET over HTTP/1.1', async () => {
    const r = await curl([
      '--http1.1',
      `https://localhost:${port('doh')}/dns-query?dns=${query.toString('base64url')}`,
    ]);
    expect(r.head).toContain('http/1.1 200');
    expect(r.head).toContain(`content-length: ${r.body.length}`);
    expect(dnsPacket.decode(r.body).id).toBe(0);
  });

  test('a wrong content-type is 415 over HTTP/1.1', async () => {
    const out = await run(
      '/usr/bin/curl',
      [
        '-sS',
        '--http1.1',
        '--cacert',
        caFile,
        '--resolve',
        `localhost:${port('doh')}:127.0.0.1`,
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-H',
        'content-type: text/plain',
        '--data-binary',
        'x',
        `https://localhost:${port('doh')}/dns-query`,
      ],
      { timeout: 15_000 },
    );
    expect(out.stdout).toBe('415');
  });
});

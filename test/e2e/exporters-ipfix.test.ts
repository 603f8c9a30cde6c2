/**
 * IPFIX as an operator's collector sees it: the real `nfcapd` (nfdump 1.7) on a loopback UDP
 * port writes what the exporter sends, and `nfdump -r FILE -o csv` shows the flows.
 *
 * nfdump 1.7 has no mapping for `userName` (IE 371): it skips the field (its source,
 * src/netflow/ipfix.c, lists every element it decodes). So the pseudonym is checked on the very
 * datagrams nfcapd received, which nfcapd repeats (`-R`) to a socket decoded here.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createIpfixExporter } from '../../src/records/exporters/ipfix.js';
import { IE } from '../../src/records/exporters/ipfix-codec.js';
import { IpfixDecoder } from '../../src/records/exporters/ipfix-decode.js';
import type { FlowRecord } from '../../src/records/types.js';
import { type AuthDns, startAuthDns } from '../fixtures/auth-dns.js';
import { createHome, type GatehouseHome, type RunningGateway } from '../helpers/gateway.js';
import { accountingStart, startRadiusGateway } from '../helpers/radius.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free loopback UDP port (bound, read, released: nfcapd needs a number). */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** nfcapd writing to a temp dir, repeating every datagram to a local socket for decoding. */
async function startNfcapd() {
  const dir = mkdtempSync(join(tmpdir(), 'gh-nfcapd-'));
  const repeated: Buffer[] = [];
  const mirror = createSocket('udp4');
  mirror.on('message', (m) => repeated.push(m));
  await new Promise<void>((r) => mirror.bind(0, '127.0.0.1', r));
  const port = await freeUdpPort();
  const args = ['-w', dir, '-p', String(port), '-b', '127.0.0.1', '-t', '3600'];
  const child: ChildProcess = spawn('nfcapd', [...args, '-R', `127.0.0.1/${mirror.address().port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  child.stdout?.on('data', (d) => log.push(String(d)));
  child.stderr?.on('data', (d) => log.push(String(d)));
  const end = Date.now() + 10_000;
  while (!log.join('').includes('Startup')) {
    if (Date.now() > end) throw new Error(`nfcapd did not start: ${log.join('')}`);
    await sleep(20);
  }
  return {
    port,
    repeated,
    /** Stops nfcapd (it closes its file) and returns `nfdump -o csv` rows as objects. */
    async stop(): Promise<Array<Record<string, string>>> {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      mirror.close();
      const file = readdirSync(dir).find((n) => /^nfcapd\.\d{12}$/.test(n));
      if (!file) throw new Error(`no nfcapd file in ${readdirSync(dir).join(', ')}: ${log.join('')}`);
      const { stdout } = await run('nfdump', ['-r', join(dir, file), '-o', 'csv']);
      rmSync(dir, { recursive: true, force: true });
      return csvRows(stdout);
    },
  };
}

/** nfdump's csv: a header line (`ts,te,…`), one line per flow, then a summary. */
function csvRows(text: string): Array<Record<string, string>> {
  const lines = text.trim().split('\n');
  const head = (lines.find((l) => l.startsWith('ts,')) ?? '').split(',');
  return lines
    .filter((l) => /^\d{4}-/.test(l))
    .map((l) => Object.fromEntries(l.split(',').map((v, i) => [head[i] ?? String(i), v.trim()])));
}

/** userName values found in the repeated datagrams. */
function userNames(datagrams: readonly Buffer[]): string[] {
  const dec = new IpfixDecoder();
  return datagrams.flatMap((d) =>
    dec.decode(d).records.map((r) => r.fields.get(String(IE.userName))?.toString() ?? ''),
  );
}

const flow = (over: Partial<FlowRecord>): FlowRecord => ({
  start: Date.now() - 2000,
  end: Date.now(),
  clientAddress: '10.1.2.3',
  isp: 'isp-a',
  subscriber: 'p20420-abcdefghijklmnopqrst',
  listener: 'connect',
  destinationName: 'example.com',
  destinationAddress: '192.0.2.7',
  port: 443,
  bytesUp: 1234,
  bytesDown: 56_789,
  verdict: 'allow',
  orderId: 0,
  throttled: false,
  ech: false,
  ...over,
});

describe('IPFIX exporter into nfcapd', () => {
  it.each([
    ['only the pseudonym by default', false, '0.0.0.0'],
    ['the source address when includeAddress is on', true, '10.1.2.3'],
  ])('exports %s', async (_name, includeAddress, sourceShown) => {
    const nf = await startNfcapd();
    const ex = createIpfixExporter({
      collector: { host: '127.0.0.1', port: nf.port },
      transport: 'udp',
      includeAddress,
      templateRefreshMs: 60_000,
    });
    ex.flow?.([
      flow({}),
      flow({
        destinationAddress: '2001:db8::1',
        port: 80,
        bytesUp: 11,
        bytesDown: 22,
        subscriber: 'p20420-second',
      }),
      flow({
        destinationAddress: null,
        port: 8443,
        verdict: 'block',
        bytesUp: 0,
        bytesDown: 0,
        subscriber: null,
      }),
    ]);
    await ex.close();
    await sleep(300);
    const rows = await nf.stop();
    expect(rows.map((r) => [r.da, r.dp, r.pr, r.ibyt, r.obyt])).toEqual([
      ['192.0.2.7', '443', 'TCP', '1234', '56789'],
      ['2001:db8::1', '80', 'TCP', '11', '22'],
      ['0.0.0.0', '8443', 'TCP', '0', '0'],
    ]);
    expect(rows[0]?.sa).toBe(sourceShown);
    expect(rows.map((r) => r.sa).join()).toContain(includeAddress ? '10.1.2.3' : '0.0.0.0');
    if (!includeAddress) expect(JSON.stringify(rows)).not.toContain('10.1.2.3');
    expect(userNames(nf.repeated)).toEqual(['p20420-abcdefghijklmnopqrst', 'p20420-second', '']);
  });
});

describe('IPFIX from `gatehouse start` with a proxied curl', () => {
  let home: GatehouseHome | undefined;
  let gw: RunningGateway | undefined;
  let upstream: AuthDns | undefined;
  let origin: Server | undefined;
  afterEach(async () => {
    await gw?.stop();
    await upstream?.close();
    await new Promise((r) => origin?.close(r));
    home?.cleanup();
  });

  it('shows the proxied flow in nfdump and carries the subscriber pseudonym as userName', async () => {
    const nf = await startNfcapd();
    home = createHome();
    upstream = await startAuthDns({ answerAll: '127.0.0.1' });
    origin = createServer((_req, res) => res.end('x'.repeat(5000)));
    await new Promise<void>((r) => origin?.listen(0, '127.0.0.1', () => r()));
    const originPort = (origin.address() as AddressInfo).port;
    gw = await startRadiusGateway(
      home,
      ['--upstream', `127.0.0.1:${upstream.port}`],
      `records:\n  flushInterval: 100ms\n  ipfix:\n    collector: 127.0.0.1:${nf.port}\n`,
    );
    const started = JSON.parse(gw.log.find((l) => l.includes('"gatehouse started"')) ?? '{}') as {
      proxy: string[];
    };
    const proxyPort = Number(started.proxy[0]?.split(':').pop());
    const reply = await accountingStart(gw, 'sub-42', '127.0.0.42', 's-1');
    expect(reply).toMatch(/Accounting-Response/);
    const { stdout } = await run('curl', [
      '-s',
      '--max-time',
      '10',
      '--interface',
      '127.0.0.42',
      '-x',
      `http://127.0.0.1:${proxyPort}`,
      `http://origin.example:${originPort}/page`,
    ]);
    expect(stdout).toHaveLength(5000);
    await sleep(1500); // the record is written within the flush interval, then exported
    await gw.stop();
    gw = undefined;
    const rows = await nf.stop();
    const row = rows.find((r) => r.dp === String(originPort));
    expect(row).toMatchObject({ da: '127.0.0.1', pr: 'TCP', sa: '0.0.0.0' });
    expect(Number(row?.obyt)).toBeGreaterThan(5000);
    expect(Number(row?.ibyt)).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain('127.0.0.42');
    const names = userNames(nf.repeated);
    expect(names.some((n) => /^p\d+-[a-z2-7]{20}$/.test(n))).toBe(true);
    expect(names.join()).not.toContain('sub-42');
  }, 60_000);
});

/**
 * RADIUS accounting against the real client an ISP's NAS stands in for: FreeRADIUS `radclient`
 * sends Accounting-Requests on 127.0.0.1, and the lease index learns who holds which address.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AccountingServer, createAccountingServer } from '../../src/identity/accounting.js';
import { UNKNOWN_IDENTITY } from '../../src/identity/cidr-map.js';
import { LeaseIndex } from '../../src/identity/lease-index.js';

const SECRET = 'e2e-secret';
const leases = new LeaseIndex();
let server: AccountingServer;
let port: number;

beforeAll(async () => {
  server = createAccountingServer({
    address: '127.0.0.1',
    port: 0,
    secrets: new Map([['127.0.0.1', { isp: 'isp-e2e', secret: SECRET }]]),
    leases,
  });
  ({ port } = await server.start());
});

afterAll(() => server?.close());

/** Runs `radclient -x` with one request on stdin; resolves to its exit code and output. */
function radclient(lines: string[], secret = SECRET): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      '/usr/bin/radclient',
      ['-x', '-r', '1', '-t', '1', `127.0.0.1:${port}`, 'acct', secret],
      { timeout: 15_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, out: stdout + stderr });
      },
    );
    child.stdin?.end(`${lines.join('\n')}\n`);
  });
}

const session = (status: string, id: string, extra: string[] = []) => [
  `Acct-Status-Type = ${status}`,
  'User-Name = "sub-42"',
  `Acct-Session-Id = "${id}"`,
  'NAS-IP-Address = 192.0.2.10',
  'NAS-Identifier = "bras-1"',
  ...extra,
];

describe('radclient acct', () => {
  test('Start: the lease names sub-42', async () => {
    const r = await radclient(session('Start', 'e2e-1', ['Framed-IP-Address = 100.64.0.42']));
    expect(r.out).toContain('Received Accounting-Response');
    expect(r.code).toBe(0);
    expect(leases.lookup('100.64.0.42')).toEqual({ isp: 'isp-e2e', groups: [], subscriber: 'sub-42' });
  });

  test('Stop closes it, and the history remembers', async () => {
    const r = await radclient(session('Stop', 'e2e-1', ['Framed-IP-Address = 100.64.0.42']));
    expect(r.code).toBe(0);
    expect(leases.lookup('100.64.0.42')).toBe(UNKNOWN_IDENTITY);
    expect(leases.historyOf('100.64.0.42')).toHaveLength(1);
  });

  test('Delegated-IPv6-Prefix and Framed-IPv6-Prefix leases', async () => {
    const r = await radclient(
      session('Start', 'e2e-2', [
        'Framed-IPv6-Prefix = 2001:db8:0:1::/64',
        'Delegated-IPv6-Prefix = 2001:db8:1:ab00::/56',
      ]),
    );
    expect(r.code).toBe(0);
    expect(leases.lookup('2001:db8:0:1::5').subscriber).toBe('sub-42');
    expect(leases.lookup('2001:db8:1:abcd::1').subscriber).toBe('sub-42');
  });

  test('Accounting-On from the NAS closes its sessions', async () => {
    const r = await radclient(['Acct-Status-Type = Accounting-On', 'NAS-IP-Address = 192.0.2.10']);
    expect(r.code).toBe(0);
    expect(leases.lookup('2001:db8:1:abcd::1')).toBe(UNKNOWN_IDENTITY);
    expect(leases.size).toBe(0);
  });

  test('a wrong secret gets no answer, and the drop is counted', async () => {
    const before = server.counters['drop:bad-authenticator'] ?? 0;
    const r = await radclient(
      session('Start', 'e2e-3', ['Framed-IP-Address = 100.64.0.43']),
      'not-the-secret',
    );
    expect(r.code).not.toBe(0);
    expect(r.out).not.toContain('Received Accounting-Response');
    expect(server.counters['drop:bad-authenticator']).toBeGreaterThan(before);
    expect(leases.lookup('100.64.0.43')).toBe(UNKNOWN_IDENTITY);
  });
});

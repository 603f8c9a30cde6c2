/**
 * Benchmark: RADIUS accounting (RFC 2866) answered per second by the real accounting server
 * (`createAccountingServer` over a real `LeaseIndex`, UDP on loopback) — issue 5: ≥ 20,000 requests/s.
 * A sender in a child process (its own core) keeps WINDOW requests in flight from SOCKETS sockets:
 * a Start, then an Interim-Update, then a Stop for each of SESSIONS sessions, each signed with the
 * shared secret (RFC 2866 §3 Request Authenticator); a request unanswered for 1 s is sent again.
 * Then, as the real peer, `radclient -f` sends RADCLIENT Starts (if radclient is installed).
 *
 *   npm run bench:radius     (SESSIONS=N WINDOW=N SOCKETS=N RADCLIENT=N)
 */
import { execFile, fork } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { formatIPv4 } from '../src/core/net/address.js';
import { createAccountingServer } from '../src/identity/accounting.js';
import { LeaseIndex } from '../src/identity/lease-index.js';
import { ATTR, CODE, encodePacket, type RadiusAttribute, u32Value } from '../src/identity/radius-wire.js';

const SESSIONS = Number(process.env.SESSIONS ?? 100_000);
// More in flight than the server socket's receive buffer holds only gets dropped (loopback too) and resent.
const WINDOW = Number(process.env.WINDOW ?? 128);
const SOCKETS = Number(process.env.SOCKETS ?? 4);
const RADCLIENT = Number(process.env.RADCLIENT ?? 20_000);
const SECRET = 'bench-secret';
const STATUS = { start: 1, stop: 2, interim: 3 } as const;
const BASE = 0x64400000; // 100.64.0.0/10, carrier-grade NAT space (RFC 6598)

const text = (type: number, v: string): RadiusAttribute => ({ type, value: Buffer.from(v) });

/** The i-th session's request of one status (identifier patched in when sent). */
function request(i: number, status: keyof typeof STATUS): Buffer {
  const attrs = [
    u32Value(ATTR.acctStatusType, STATUS[status]),
    text(ATTR.userName, `subscriber-${i}`),
    text(ATTR.acctSessionId, `bench-${i}`),
    u32Value(ATTR.nasIpAddress, 0xc000020a),
    u32Value(ATTR.framedIpAddress, BASE + i),
  ];
  return encodePacket(CODE.accountingRequest, 0, attrs, Buffer.from(SECRET));
}

/** The sender (child process): sends every request of one phase, WINDOW in flight; reports seconds. */
async function sender(port: number): Promise<void> {
  const secret = Buffer.from(SECRET);
  const sockets = await Promise.all(
    Array.from({ length: SOCKETS }, async () => {
      const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 22, sendBufferSize: 1 << 22 });
      await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
      return s;
    }),
  );
  const perSocket = Math.min(256, Math.ceil(WINDOW / SOCKETS)); // one 8-bit identifier space per socket
  for (const status of ['start', 'interim', 'stop'] as const) {
    // Signed before timing: the sender must not be what is measured.
    const packets = Array.from({ length: SESSIONS }, (_, i) => request(i, status));
    let next = 0;
    let answered = 0;
    let resent = 0;
    const t0 = performance.now();
    await new Promise<void>((done) => {
      for (const socket of sockets) {
        const inflight = new Map<number, { i: number; at: number }>();
        const free = Array.from({ length: perSocket }, (_, id) => id);
        const send = (id: number, i: number): void => {
          const p = packets[i] as Buffer;
          p[1] = id;
          // The identifier is under the authenticator: re-sign (RFC 2866 §3), as a NAS does per request.
          encodePacketInPlace(p, secret);
          inflight.set(id, { i, at: performance.now() });
          socket.send(p, port, '127.0.0.1');
        };
        const fill = (): void => {
          while (free.length > 0 && next < packets.length) send(free.pop() as number, next++);
        };
        socket.on('message', (msg) => {
          if (msg[0] !== CODE.accountingResponse || !inflight.delete(msg[1] as number)) return;
          free.push(msg[1] as number);
          if (++answered === packets.length) done();
          else fill();
        });
        const retry = setInterval(() => {
          const now = performance.now();
          for (const [id, f] of inflight)
            if (now - f.at > 1000) {
              resent++;
              send(id, f.i);
            }
        }, 250);
        retry.unref();
        fill();
      }
    });
    const seconds = (performance.now() - t0) / 1000;
    process.send?.({ status, seconds, answered, resent });
  }
  for (const s of sockets) s.close();
}

/** Recomputes the Request Authenticator of a request whose identifier changed. */
function encodePacketInPlace(p: Buffer, secret: Buffer): void {
  const attrs: RadiusAttribute[] = [];
  for (let at = 20; at < p.length; at += p[at + 1] as number)
    attrs.push({ type: p[at] as number, value: p.subarray(at + 2, at + (p[at + 1] as number)) });
  encodePacket(CODE.accountingRequest, p[1] as number, attrs, secret).copy(p);
}

/** radclient as the real peer: RADCLIENT Starts from one file, 255 in flight; wall seconds. */
async function radclient(port: number): Promise<number | null> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-radius-'));
  try {
    const file = join(dir, 'requests');
    const lines = Array.from(
      { length: RADCLIENT },
      (_, i) =>
        `Acct-Status-Type = Start\nUser-Name = "rc-${i}"\nAcct-Session-Id = "rc-${i}"\nNAS-IP-Address = 192.0.2.11\nFramed-IP-Address = ${formatIPv4(BASE + 0x100000 + i)}\n`,
    );
    writeFileSync(file, lines.join('\n'));
    const t0 = performance.now();
    await promisify(execFile)(
      'radclient',
      ['-q', '-p', '255', '-r', '3', '-t', '2', '-f', file, `127.0.0.1:${port}`, 'acct', SECRET],
      { maxBuffer: 1 << 26 },
    );
    return (performance.now() - t0) / 1000;
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const load = (): string =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const leases = new LeaseIndex({ capacity: SESSIONS + RADCLIENT });
  const server = createAccountingServer({
    address: '127.0.0.1',
    port: 0,
    secrets: new Map([['127.0.0.1', { isp: 'isp-bench', secret: SECRET }]]),
    leases,
  });
  const { port } = await server.start();
  console.log(
    `radius: ${SESSIONS.toLocaleString('en')} sessions × (Start, Interim, Stop), ${WINDOW} in flight; load ${load()}`,
  );
  const child = fork(fileURLToPath(import.meta.url), ['send', String(port)]);
  const c0 = process.cpuUsage();
  let requests = 0;
  let seconds = 0;
  child.on('message', (m: { status: string; seconds: number; answered: number; resent: number }) => {
    requests += m.answered;
    seconds += m.seconds;
    const rate = Math.round(m.answered / m.seconds).toLocaleString('en');
    console.log(
      `  ${m.status.padEnd(8)} ${rate.padStart(7)} requests/s answered (${m.answered} in ${m.seconds.toFixed(2)} s, ${m.resent} resent); active leases ${leases.size}`,
    );
  });
  await new Promise((resolve) => child.on('exit', resolve));
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const overall = requests / seconds;
  console.log(
    `  overall  ${Math.round(overall).toLocaleString('en').padStart(7)} requests/s; server process CPU ${cpuSeconds.toFixed(2)} s = ${Math.round(requests / cpuSeconds).toLocaleString('en')} requests per CPU-second; target ≥ 20,000/s: ${overall >= 20_000 ? 'met' : 'not met'}`,
  );
  console.log(`  counters ${JSON.stringify(server.counters)}`);
  if (RADCLIENT > 0) {
    const before = process.cpuUsage();
    const s = await radclient(port);
    const used = process.cpuUsage(before);
    if (s === null) console.log('  radclient: not installed or failed (skipped)');
    else
      console.log(
        `  radclient -f (real peer, ${RADCLIENT} Starts, -p 255): ${Math.round(RADCLIENT / s).toLocaleString('en')} requests/s (${s.toFixed(2)} s; server CPU ${((used.user + used.system) / 1e6).toFixed(2)} s; radclient is the bottleneck when the server is idle)`,
      );
  }
  console.log(`  load average after: ${load()}`);
  await server.close();
}

if (process.argv[2] === 'send') await sender(Number(process.argv[3]));
else await main();

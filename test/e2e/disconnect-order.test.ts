/**
 * A disconnect order end to end, as operators and an ISP would see it: `radclient` sends a real
 * accounting Start to a running gateway; a disconnect order naming the subscriber is created with
 * the CLI, refused to its creator's own approval, approved by a second person; the ISP's NAS (a
 * fixture here, checking the Request Authenticator with the shared secret, RFC 5176 §2.3) receives
 * exactly one Disconnect-Request carrying the session, answers ACK, and the ACK is recorded.
 */
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHome, type GatehouseHome, type RunningGateway, startGateway } from '../helpers/gateway.js';
import { radiusPort as boundRadiusPort, radclient } from '../helpers/radius.js';

const ACCT_SECRET = 'accounting secret';
const DAE_SECRET = 'dynamic authorization secret';

interface SeenRequest {
  readonly code: number;
  readonly authentic: boolean;
  readonly attributes: Map<number, Buffer>;
}

/** A NAS's Dynamic Authorization server on 127.0.0.1:0: checks, records and ACKs each request. */
async function startNas(secret: string) {
  const socket = dgram.createSocket('udp4');
  const seen: SeenRequest[] = [];
  const md5 = (...parts: Buffer[]) => createHash('md5').update(Buffer.concat(parts)).digest();
  socket.on('message', (msg, from) => {
    const length = msg.readUInt16BE(2);
    const packet = msg.subarray(0, length);
    const attributes = new Map<number, Buffer>();
    for (let at = 20; at + 2 <= length && packet[at + 1] >= 2; at += packet[at + 1]) {
      attributes.set(packet[at], packet.subarray(at + 2, at + packet[at + 1]));
    }
    // RFC 5176 §2.3: MD5(Code + Identifier + Length + 16 zero octets + Attributes + Secret).
    const expected = md5(packet.subarray(0, 4), Buffer.alloc(16), packet.subarray(20), Buffer.from(secret));
    const authentic = expected.equals(packet.subarray(4, 20));
    seen.push({ code: packet[0], authentic, attributes });
    if (!authentic || packet[0] !== 40) return;
    // Disconnect-ACK (41), Response Authenticator over the request's authenticator (RFC 5176 §3.5).
    const reply = Buffer.alloc(20);
    reply[0] = 41;
    reply[1] = packet[1];
    reply.writeUInt16BE(20, 2);
    md5(reply.subarray(0, 4), packet.subarray(4, 20), Buffer.from(secret)).copy(reply, 4);
    socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
  return {
    port: socket.address().port,
    seen,
    close: () => new Promise<void>((d) => socket.close(() => d())),
  };
}

let home: GatehouseHome;
let gw: RunningGateway;
let nas: Awaited<ReturnType<typeof startNas>>;
let radiusPort = 0;

const acct = (attributes: string) => radclient(radiusPort, ACCT_SECRET, attributes);

beforeAll(async () => {
  home = createHome();
  nas = await startNas(DAE_SECRET);
  const config = join(home.dir, 'gatehouse.yaml');
  writeFileSync(
    config,
    [
      'radius:',
      '  clients:',
      `    - { address: 127.0.0.1, isp: isp-a, secret: "${ACCT_SECRET}" }`,
      '  disconnect:',
      `    - { isp: isp-a, nas: "127.0.0.1:${nas.port}", secret: "${DAE_SECRET}" }`,
      '  disconnectTimeout: 500ms',
      '',
    ].join('\n'),
  );
  gw = await startGateway(home, ['--config', config, '--radius', '127.0.0.1:0', '--proxy', '127.0.0.1:0']);
  radiusPort = boundRadiusPort(gw);
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await nas?.close();
  home?.cleanup();
});

async function until(check: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await sleep(100);
}

describe('a disconnect order', () => {
  it('sends exactly one authentic Disconnect-Request for the session and records the ACK', async () => {
    const start = await acct(
      'Acct-Status-Type = Start\nUser-Name = "sub-42"\nFramed-IP-Address = 127.0.0.42\nAcct-Session-Id = "s-1"\nNAS-IP-Address = 127.0.0.1\n',
    );
    expect(start).toMatch(/Accounting-Response/);
    const created = await home.cli([
      'orders',
      'create',
      '--title',
      'Disconnect sub-42',
      '--authority',
      'District Court',
      '--instrument',
      'Electronic Communications Act',
      '--article',
      '§ 114',
      '--decision-ref',
      'DC-9',
      '--notice',
      'Disconnected by court order',
      '--appeal',
      'mailto:appeals@court.example',
      '--expires',
      '+1d',
      '--scope',
      'isp:isp-a',
      '--action',
      'disconnect',
      '--target',
      'subscriber:isp-a/sub-42',
    ]);
    const id = /order (\d+)/.exec(created)?.[1] ?? '';
    await expect(home.cli(['orders', 'approve', id], 'alice')).rejects.toMatchObject({
      stderr: expect.stringContaining('GH_ERR_ORDER_SELF_APPROVAL'),
    });
    expect(nas.seen).toHaveLength(0);
    expect(await home.cli(['orders', 'approve', id], 'bob')).toMatch(/is now active/);
    await until(() => nas.seen.length > 0, 15_000);
    // Suspending and activating again must not send a second request for the same session.
    await home.cli(['orders', 'suspend', id], 'carol');
    expect(await home.cli(['orders', 'activate', id], 'bob')).toMatch(/is now active/);
    await sleep(2_500);
    expect(nas.seen).toHaveLength(1);
    const [request] = nas.seen;
    expect(request.code).toBe(40);
    expect(request.authentic).toBe(true);
    expect(request.attributes.get(1)?.toString()).toBe('sub-42');
    expect(request.attributes.get(44)?.toString()).toBe('s-1');
    expect([...(request.attributes.get(8) ?? [])].join('.')).toBe('127.0.0.42');
    const { disconnects } = JSON.parse(
      await home.cli(['--json', 'subscribers', 'disconnects', '--order', id]),
    );
    expect(disconnects).toMatchObject([
      {
        orderId: Number(id),
        isp: 'isp-a',
        subscriber: 'sub-42',
        sessionId: 's-1',
        status: 'ack',
        attempts: 1,
      },
    ]);
    expect(await home.cli(['subscribers', 'disconnects'])).toMatch(
      /order \d+ {2}isp-a\/sub-42 {2}session s-1 .* ack/,
    );
    const audit = await home.cli(['audit', 'log', '--object', `disconnect/${disconnects[0].id}`]);
    expect(audit).toMatch(/disconnect\.request/);
    expect(audit).toMatch(/disconnect\.ack/);
  });
});

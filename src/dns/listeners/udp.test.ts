import dgram from 'node:dgram';
import { afterEach, describe, expect, test } from 'vitest';
import { nativeAddon } from '../../native/index.js';
import { createRrl } from '../rrl.js';
import type { DnsHandler, Listener, ListenerErrorKind } from './contract.js';
import { reusePortSupported } from './contract.js';
import { echoHandler, makeQuery, recordingMetrics } from './testing.js';
import { createUdpListener, type UdpListenerOptions, udpResponseLimit } from './udp.js';
import { createUdpBatchListener } from './udp-batch.js';
import { hasUdpBatch } from './udp-path.js';

const open: Listener[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
});

type Factory = (opts: UdpListenerOptions) => Listener;

const addon = nativeAddon();
/** Every UDP listener the gateway can run: one contract, one suite (the batch one needs the addon). */
const UDP_IMPLEMENTATIONS: [string, Factory][] = [
  ['dgram', createUdpListener],
  ...(hasUdpBatch(addon)
    ? [
        [
          'native batch',
          (opts: UdpListenerOptions) => createUdpBatchListener({ ...opts, native: addon }),
        ] as [string, Factory],
      ]
    : []),
];

async function startWith(handler: DnsHandler, extra: Partial<UdpListenerOptions>, create: Factory) {
  const metrics = recordingMetrics();
  const warnings: unknown[] = [];
  const l = create({
    address: '127.0.0.1',
    port: 0,
    handler,
    metrics,
    logger: { warn: (obj) => warnings.push(obj) },
    ...extra,
  });
  open.push(l);
  const bound = await l.start();
  return { l, bound, metrics, warnings };
}

/** Sends datagrams and collects what comes back within `ms`. */
async function exchange(port: number, msgs: Buffer[], host = '127.0.0.1', ms = 300): Promise<Buffer[]> {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const got: Buffer[] = [];
  s.on('message', (m) => got.push(m));
  for (const m of msgs) s.send(m, port, host);
  await new Promise((r) => setTimeout(r, ms));
  s.close();
  return got;
}

describe('udpResponseLimit (RFC 6891 §6.2.5)', () => {
  test.each<[string, number | undefined, number, number]>([
    ['no EDNS: 512', undefined, 1232, 512],
    ['EDNS 4096 clamped to the buffer', 4096, 1232, 1232],
    ['EDNS 1000 within the buffer', 1000, 1232, 1000],
    ['EDNS under 512 reads as 512', 100, 1232, 512],
  ])('%s', (_name, edns, configured, expected) => {
    expect(udpResponseLimit(makeQuery(1, 'a', edns), configured)).toBe(expected);
  });
});

describe.each(UDP_IMPLEMENTATIONS)('udp listener: %s', (_name, create) => {
  const start = (handler: DnsHandler, extra: Partial<UdpListenerOptions> = {}) =>
    startWith(handler, extra, create);

  test('answers the sender over IPv4', async () => {
    const { bound, metrics } = await start(echoHandler);
    expect(bound.port).toBeGreaterThan(0);
    const [answer] = await exchange(bound.port, [makeQuery(0x1234)]);
    expect(answer.readUInt16BE(0)).toBe(0x1234);
    expect(answer[2] & 0x80).toBe(0x80);
    expect(metrics.queries).toEqual(['udp']);
  });

  test('answers over IPv6 on [::1]', async () => {
    const { bound } = await start(echoHandler, { address: '::1' });
    expect(bound).toMatchObject({ address: '::1', family: 6 });
    const got = await exchange(bound.port, [makeQuery(7)], '::1');
    expect(got).toHaveLength(1);
  });

  test('hands the handler its context', async () => {
    let seen: unknown;
    const { bound } = await start(
      (q, ctx) => {
        seen = ctx;
        return echoHandler(q, ctx);
      },
      { now: () => 42, maxUdpSize: 1400 },
    );
    await exchange(bound.port, [makeQuery(1, 'a', 4096)]);
    expect(seen).toMatchObject({
      transport: 'udp',
      clientAddress: '127.0.0.1',
      family: 4,
      maxResponseSize: 1400,
      received: 42,
    });
  });

  test('drops datagrams shorter than a header', async () => {
    const { bound, metrics } = await start(echoHandler);
    expect(await exchange(bound.port, [Buffer.alloc(11)])).toEqual([]);
    expect(metrics.count('short')).toBe(1);
    expect(metrics.queries).toEqual([]);
  });

  test('null from the handler sends nothing', async () => {
    const { bound } = await start(() => null);
    expect(await exchange(bound.port, [makeQuery(1)])).toEqual([]);
  });

  test.each<[string, DnsHandler, ListenerErrorKind]>([
    [
      'throws',
      () => {
        throw new Error('boom');
      },
      'handler',
    ],
    ['rejects', () => Promise.reject(new Error('boom')), 'handler'],
    ['returns a non-buffer', (() => 'nope') as unknown as DnsHandler, 'bad-result'],
  ])('a handler that %s: no answer, counted, logged once, socket still serves', async (_n, bad, kind) => {
    let fail = true;
    const { bound, metrics, warnings } = await start((q, ctx) => (fail ? bad(q, ctx) : echoHandler(q, ctx)));
    expect(await exchange(bound.port, [makeQuery(1), makeQuery(2), makeQuery(3)])).toEqual([]);
    expect(metrics.count(kind)).toBe(3);
    expect(warnings).toHaveLength(1); // rate limited: one line, later ones suppressed
    fail = false;
    expect(await exchange(bound.port, [makeQuery(4)])).toHaveLength(1);
  });

  /** The echo of query 9 with `count` claimed answers and one real 600-byte record. */
  function bigAnswer(count: number): Buffer {
    const q = echoHandler(makeQuery(9), {} as never) as Buffer;
    q.writeUInt16BE(count, 6);
    const rr = Buffer.alloc(11 + 600);
    rr.writeUInt16BE(16, 1); // TXT
    rr.writeUInt16BE(1, 3);
    rr.writeUInt16BE(600, 9);
    return Buffer.concat([q, rr]);
  }

  test('an oversized answer is cut to the limit with TC=1 (guard behind the handler)', async () => {
    const { bound, metrics } = await start(() => bigAnswer(1));
    const [cut] = await exchange(bound.port, [makeQuery(9)]);
    expect(metrics.count('oversize-response')).toBe(1);
    expect(cut.length).toBeLessThanOrEqual(512);
    expect([cut[2] & 0x02, cut.readUInt16BE(6)]).toEqual([0x02, 0]);
  });

  test('an oversized malformed answer is dropped, never sent whole', async () => {
    const { bound, metrics } = await start(() => bigAnswer(2));
    expect(await exchange(bound.port, [makeQuery(9)])).toEqual([]);
    expect(metrics.count('oversize-response')).toBe(1);
  });

  test('response rate limiting: allowed, slipped truncated, dropped', async () => {
    const rrl = createRrl({ responsesPerSecond: 2, slip: 2, now: () => 0 });
    const { bound, metrics } = await start(echoHandler, { rrl });
    const got = await exchange(
      bound.port,
      [1, 2, 3, 4, 5, 6].map((id) => makeQuery(id)),
    );
    // 2 allowed, then 4 limited: every 2nd slips (TC=1, no records), the others are dropped.
    const tc = got.filter((m) => (m[2] & 0x02) !== 0);
    expect([got.length, tc.length]).toEqual([4, 2]);
    expect(metrics.count('rrl-drop')).toBe(2);
  });

  test('close releases the port', async () => {
    const { l, bound } = await start(echoHandler);
    await l.close();
    await l.close(); // idempotent
    const again = create({ address: '127.0.0.1', port: bound.port, handler: echoHandler });
    open.push(again);
    expect((await again.start()).port).toBe(bound.port);
  });

  test('a port in use rejects start', async () => {
    const { bound } = await start(echoHandler);
    const clash = create({ address: '127.0.0.1', port: bound.port, handler: echoHandler });
    await expect(clash.start()).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('reusePortSupported', () => {
  test.each([
    ['20.20.2', false],
    ['22.11.0', false],
    ['22.12.0', true],
    ['23.0.0', false],
    ['23.1.0', true],
    ['24.0.0', true],
  ])('%s → %s', (version, expected) => {
    expect(reusePortSupported(version)).toBe(expected);
  });
});

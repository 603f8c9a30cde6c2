import dgram from 'node:dgram';
import radius from 'radius';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isGatehouseError } from '../core/errors.js';
import {
  type AccountingEvent,
  type AccountingServer,
  createAccountingHandler,
  createAccountingServer,
  type RadiusClient,
} from './accounting.js';
import { UNKNOWN_IDENTITY } from './cidr-map.js';
import { LeaseIndex } from './lease-index.js';
import { accountingRequest, prefixValue, sessionAttributes, type TestAttribute } from './testing.js';

const SECRET = 'testing123';
const NAS = '127.0.0.1';
const clients = new Map<string, RadiusClient>([[NAS, { isp: 'isp-a', secret: SECRET }]]);

function setup(now = () => 1_000_000) {
  const leases = new LeaseIndex();
  const events: AccountingEvent[] = [];
  const drops: string[] = [];
  const handler = createAccountingHandler({
    secrets: clients,
    leases,
    now,
    onEvent: (e) => events.push(e),
    metrics: { onRequest: () => {}, onDrop: (r) => drops.push(r) },
  });
  const send = (attrs: TestAttribute[], from = NAS, secret = SECRET, id = 1) => {
    const request = accountingRequest(attrs, secret, id);
    const response = handler.handle(request, from);
    if (response !== null) expect(radius.verify_response({ request, response, secret: SECRET })).toBe(true);
    return response;
  };
  return { leases, events, drops, handler, send };
}

const start = (extra: TestAttribute[] = []) =>
  sessionAttributes('Start', [
    ['User-Name', 'sub-42'],
    ['Acct-Session-Id', 'S1'],
    ['Framed-IP-Address', '100.64.0.42'],
    ...extra,
  ]);
const stop = () =>
  sessionAttributes('Stop', [
    ['User-Name', 'sub-42'],
    ['Acct-Session-Id', 'S1'],
  ]);

describe('status types (RFC 2866 §5.1)', () => {
  test('Start opens a lease and is answered with code 5', () => {
    const { leases, send } = setup();
    const response = send(start());
    expect(response?.[0]).toBe(5);
    expect(leases.lookup('100.64.0.42')).toEqual({ isp: 'isp-a', groups: [], subscriber: 'sub-42' });
  });

  test('Interim-Update of an unknown session opens it (state rebuilt after a restart)', () => {
    const { leases, send } = setup();
    send(sessionAttributes('Interim-Update', start().slice(2)));
    expect(leases.lookup('100.64.0.42').subscriber).toBe('sub-42');
  });

  test('Stop closes it, at the event time less Acct-Delay-Time (RFC 2866 §5.2)', () => {
    const { leases, send } = setup();
    send(start());
    send([...stop(), ['Acct-Delay-Time', 30]]);
    expect(leases.lookup('100.64.0.42')).toBe(UNKNOWN_IDENTITY);
    expect(leases.historyOf('100.64.0.42')[0].to).toBe(1_000_000 - 30_000);
  });

  test.each(['Accounting-On', 'Accounting-Off'] as const)('%s closes every session of the NAS', (status) => {
    const { leases, send } = setup();
    send(start());
    send(
      sessionAttributes('Start', [
        ['User-Name', 'b'],
        ['Acct-Session-Id', 'S2'],
        ['Framed-IP-Address', '100.64.0.2'],
      ]),
    );
    send(sessionAttributes(status));
    expect(leases.size).toBe(0);
  });

  test('an unknown status (Failed, RFC 2866 §5.1) is acknowledged and changes nothing', () => {
    const { leases, send, events } = setup();
    expect(
      send([
        ['Acct-Status-Type', 15],
        ['Acct-Session-Id', 'S9'],
      ]),
    ).not.toBeNull();
    expect([leases.size, events.length]).toEqual([0, 0]);
  });

  test('onEvent sees each applied event', () => {
    const { send, events } = setup();
    send(start());
    expect(events[0]).toMatchObject({ status: 'start', isp: 'isp-a', nas: '192.0.2.10', sessionId: 'S1' });
  });

  test('Proxy-State is echoed in the response (RFC 2865 §5.33)', () => {
    const { send } = setup();
    const response = send(start([['Proxy-State', Buffer.from('hop-1')]]));
    expect(response?.includes(Buffer.from('hop-1'))).toBe(true);
  });
});

describe('duplicates and IPv6', () => {
  test('retransmits are idempotent and each is answered', () => {
    const { leases, send, handler } = setup();
    for (let i = 0; i < 3; i++) expect(send(start())).not.toBeNull();
    for (let i = 0; i < 3; i++) expect(send(stop())).not.toBeNull();
    expect([leases.size, leases.historySize]).toEqual([0, 1]);
    expect(handler.counters['request:start']).toBe(3);
  });

  test('Framed-IPv6-Prefix and Delegated-IPv6-Prefix become leases', () => {
    const { leases, send } = setup();
    send(
      start([
        ['Framed-IPv6-Prefix', prefixValue([0x20010db8, 0x00000001], 64)],
        ['Delegated-IPv6-Prefix', prefixValue([0x20010db8, 0x0001ab00], 56)],
      ]),
    );
    expect(leases.lookup('2001:db8:0:1::99').subscriber).toBe('sub-42');
    expect(leases.lookup('2001:db8:1:abcd::1').subscriber).toBe('sub-42');
    send(stop());
    expect(leases.lookup('2001:db8:1:abcd::1')).toBe(UNKNOWN_IDENTITY);
  });
});

describe('drops are silent and counted', () => {
  test.each<[string, (s: ReturnType<typeof setup>) => Buffer | null, string]>([
    ['a bad authenticator', (s) => s.send(start(), NAS, 'wrong'), 'bad-authenticator'],
    ['an unknown client', (s) => s.send(start(), '198.51.100.1'), 'unknown-client'],
    [
      'a truncated packet',
      (s) => s.handler.handle(accountingRequest(start(), SECRET).subarray(0, 30), NAS),
      'truncated',
    ],
    [
      'a bad length field',
      (s) => {
        const b = accountingRequest(start(), SECRET);
        b.writeUInt16BE(5000, 2);
        return s.handler.handle(b, NAS);
      },
      'bad-length',
    ],
    [
      'a bad attribute length',
      (s) => {
        const b = accountingRequest(start(), SECRET);
        b[21] = 1;
        return s.handler.handle(b, NAS);
      },
      'bad-attribute',
    ],
    [
      'an Access-Request',
      (s) => s.handler.handle(radius.encode({ code: 'Access-Request', secret: SECRET }), NAS),
      'unexpected-code',
    ],
    ['a Start without Acct-Session-Id', (s) => s.send([['Acct-Status-Type', 'Start']]), 'no-session-id'],
    ['no Acct-Status-Type', (s) => s.send([['Acct-Session-Id', 'x']]), 'no-status'],
    [
      'a 3-octet Framed-IP-Address',
      (s) =>
        s.send(
          sessionAttributes('Start', [
            ['Acct-Session-Id', 'S1'],
            [8, Buffer.from([1, 2, 3])],
          ]),
        ),
      'bad-attribute',
    ],
  ])('%s', (_name, act, reason) => {
    const s = setup();
    expect(act(s)).toBeNull();
    expect(s.drops).toEqual([reason]);
    expect(s.handler.counters[`drop:${reason}`]).toBe(1);
    expect(s.leases.size).toBe(0);
  });

  test('a throwing onEvent is counted, never thrown', () => {
    const handler = createAccountingHandler({
      secrets: () => ({ isp: 'isp-a', secret: SECRET }),
      leases: new LeaseIndex(),
      onEvent: () => {
        throw new Error('boom');
      },
    });
    expect(handler.handle(accountingRequest(start(), SECRET), NAS)).toBeNull();
    expect(handler.counters['drop:error']).toBe(1);
  });
});

describe('the UDP server', () => {
  let server: AccountingServer;
  let port: number;
  const leases = new LeaseIndex();
  beforeAll(async () => {
    server = createAccountingServer({ address: '127.0.0.1', port: 0, secrets: clients, leases });
    ({ port } = await server.start());
  });
  afterAll(() => server.close());

  function exchange(request: Buffer): Promise<Buffer | null> {
    const socket = dgram.createSocket('udp4');
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(null), 300);
      const finish = (r: Buffer | null) => {
        clearTimeout(timer);
        socket.close();
        resolve(r);
      };
      socket.on('message', (msg) => finish(msg));
      socket.send(request, port, '127.0.0.1');
    });
  }

  test('answers a Start and indexes it', async () => {
    const request = accountingRequest(start(), SECRET, 99);
    const response = await exchange(request);
    expect(response && radius.verify_response({ request, response, secret: SECRET })).toBe(true);
    expect(leases.lookup('100.64.0.42').subscriber).toBe('sub-42');
  });

  test('stays silent on a wrong secret and counts it', async () => {
    expect(await exchange(accountingRequest(start(), 'wrong'))).toBeNull();
    expect(server.counters['drop:bad-authenticator']).toBe(1);
  });

  test('a port in use is a GH_ERR_RADIUS_LISTEN', async () => {
    const other = createAccountingServer({ address: '127.0.0.1', port, secrets: clients, leases });
    const err = await other.start().catch((e: unknown) => e);
    expect(isGatehouseError(err, 'GH_ERR_RADIUS_LISTEN')).toBe(true);
  });
});

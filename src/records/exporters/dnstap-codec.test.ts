import { describe, expect, it } from 'vitest';
import type { DnsQueryRecord } from '../types.js';
import { encodeDnstap, encodeName, MESSAGE_TYPE, responseMessage } from './dnstap-codec.js';
import { readFields } from './protobuf.js';

function record(over: Partial<DnsQueryRecord> = {}): DnsQueryRecord {
  return {
    time: 1_764_000_000_250,
    clientAddress: '10.1.2.3',
    clientPort: 53_000,
    transport: 'udp',
    isp: 'isp-a',
    subscriber: 'p20420-abcdefghijklmnopqrst',
    qname: 'www.example.com',
    qtype: 28,
    rcode: 0,
    verdict: 'allow',
    orderId: 0,
    ruleId: -1,
    cacheHit: false,
    upstream: '192.0.2.53:53',
    latencyUs: 1500,
    ede: null,
    ...over,
  };
}

/** Decodes a Dnstap frame into {top-level fields, Message fields} keyed by field number. */
function decode(buf: Buffer) {
  const top = new Map(readFields(buf).map((f) => [f.field, f.value]));
  const message = new Map(readFields(top.get(14) as Buffer).map((f) => [f.field, f.value]));
  return { top, message };
}

const options = { identity: 'node-1', version: 'gatehouse', includeAddress: false };

describe('dnstap encoding', () => {
  it('writes a CLIENT_RESPONSE with times, family, protocol, identity and the pseudonym in extra', () => {
    const { top, message } = decode(encodeDnstap(record(), options));
    expect(top.get(1)?.toString()).toBe('node-1');
    expect(top.get(2)?.toString()).toBe('gatehouse');
    expect(top.get(3)?.toString()).toBe('pseudonym=p20420-abcdefghijklmnopqrst');
    expect(top.get(15)).toBe(1); // Dnstap.Type MESSAGE
    expect(message.get(1)).toBe(MESSAGE_TYPE.CLIENT_RESPONSE);
    expect(message.get(2)).toBe(1); // INET
    expect(message.get(3)).toBe(1); // UDP
    expect(message.get(8)).toBe(1_764_000_000);
    expect(message.get(9)).toBe(250_000_000);
    expect(message.get(12)).toBe(1_764_000_000);
    expect(message.get(13)).toBe(251_500_000); // + 1.5 ms latency
  });

  it.each([
    ['address left out by default', false, '10.1.2.3', undefined, 1],
    ['address included when configured', true, '10.1.2.3', [10, 1, 2, 3], 1],
    ['IPv6 included', true, '2001:db8::1', [0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 2],
  ])('%s', (_name, includeAddress, clientAddress, bytes, family) => {
    const { message } = decode(encodeDnstap(record({ clientAddress }), { ...options, includeAddress }));
    expect(message.get(2)).toBe(family);
    expect(message.has(6)).toBe(false); // query_port is never written
    expect(message.get(4) === undefined ? undefined : [...(message.get(4) as Buffer)]).toEqual(bytes);
  });

  it.each([
    ['udp', 1],
    ['tcp', 2],
    ['dot', 3],
    ['doh', 4],
  ] as const)('maps transport %s to socket_protocol %d', (transport, value) => {
    expect(decode(encodeDnstap(record({ transport }), options)).message.get(3)).toBe(value);
  });

  it('leaves extra out for an unknown subscriber', () => {
    expect(decode(encodeDnstap(record({ subscriber: null }), options)).top.has(3)).toBe(false);
  });

  it.each([
    ['block answered NXDOMAIN', 'block', 3, 1],
    ['block answered NODATA', 'block', 0, 2],
    ['safe-search rewrite', 'safe-search', 0, 6],
    ['throttle passes', 'throttle', 0, 3],
  ] as const)('names the order in Policy: %s', (_name, verdict, rcode, action) => {
    const { message } = decode(encodeDnstap(record({ verdict, rcode, orderId: 17 }), options));
    const policy = new Map(readFields(message.get(15) as Buffer).map((f) => [f.field, f.value]));
    expect(policy.get(1)?.toString()).toBe('gatehouse-order');
    expect(policy.get(2)?.toString()).toBe('order/17');
    expect(policy.get(3)).toBe(action);
    expect(policy.get(4)).toBe(1); // QNAME
  });

  it('has no Policy when no order decided', () => {
    expect(decode(encodeDnstap(record(), options)).message.has(15)).toBe(false);
  });
});

describe('rebuilt response message', () => {
  it('carries the header flags, rcode and question', () => {
    const m = responseMessage(record({ rcode: 3, qname: 'a.example', qtype: 1 }));
    expect(m.readUInt16BE(2)).toBe(0x8183); // QR RD RA, NXDOMAIN
    expect([m.readUInt16BE(4), m.readUInt16BE(6), m.readUInt16BE(8), m.readUInt16BE(10)]).toEqual([
      1, 0, 0, 0,
    ]);
    expect(m.subarray(12)).toEqual(Buffer.from([1, 0x61, 7, ...Buffer.from('example'), 0, 0, 1, 0, 1]));
  });

  it('adds an OPT record with the EDE INFO-CODE the answer disclosed (RFC 8914)', () => {
    const m = responseMessage(record({ rcode: 3, qname: 'b.example', ede: 16 }));
    expect(m.readUInt16BE(10)).toBe(1); // ARCOUNT
    const opt = m.subarray(m.length - 17);
    expect(opt.readUInt16BE(1)).toBe(41);
    expect(opt.readUInt16BE(11)).toBe(15);
    expect(opt.readUInt16BE(15)).toBe(16);
  });

  it.each([
    ['root', '', [0]],
    ['one label', 'example', [7, ...Buffer.from('example'), 0]],
    ['trailing dot', 'a.', [1, 0x61, 0]],
    ['label over 63 octets stops the name', `${'x'.repeat(64)}.com`, [0]],
    ['empty label stops the name', 'a..b', [1, 0x61, 0]],
  ])('encodes names: %s', (_name, name, bytes) => {
    expect([...encodeName(name)]).toEqual(bytes);
  });

  it('never writes a name longer than 255 octets', () => {
    expect(encodeName(Array.from({ length: 200 }, () => 'abc').join('.')).length).toBeLessThanOrEqual(255);
  });
});

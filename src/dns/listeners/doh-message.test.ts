import dnsPacket, { type Packet } from 'dns-packet';
import { describe, expect, test } from 'vitest';
import { decodeDnsParam, isDnsMessageType, responseMaxAge } from './doh-message.js';

describe('decodeDnsParam (RFC 8484 §4.1, RFC 4648 §5)', () => {
  test.each<[string, string, number[] | null]>([
    ['unpadded', 'AAEC', [0, 1, 2]],
    ['unpadded, 2 left over', 'AAECAw', [0, 1, 2, 3]],
    ['padding tolerated', 'AAECAw==', [0, 1, 2, 3]],
    ['url alphabet', '-_8', [0xfb, 0xff]],
    ['standard alphabet refused', '+/8', null],
    ['space refused', 'AA EC', null],
    ['one character left over', 'AAECA', null],
    ['padding in the middle', 'AA==EC', null],
  ])('%s', (_name, text, bytes) => {
    const out = decodeDnsParam(text);
    expect(out === null ? null : [...out]).toEqual(bytes);
  });
});

describe('isDnsMessageType', () => {
  test.each<[string | undefined, boolean]>([
    ['application/dns-message', true],
    ['Application/DNS-Message', true],
    ['application/dns-message; charset=binary', true],
    ['application/dns-json', false],
    ['text/plain', false],
    ['', false],
    [undefined, false],
  ])('%s → %s', (type, expected) => {
    expect(isDnsMessageType(type)).toBe(expected);
  });
});

const soa = (ttl: number, minimum: number) => ({
  name: 'example',
  type: 'SOA' as const,
  ttl,
  data: {
    mname: 'ns.example',
    rname: 'host.example',
    serial: 1,
    refresh: 3600,
    retry: 600,
    expire: 86400,
    minimum,
  },
});

function msg(p: Partial<Packet>, rcode = 0, tc = false): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: 1,
    flags: dnsPacket.RECURSION_AVAILABLE | rcode | (tc ? dnsPacket.TRUNCATED_RESPONSE : 0),
    questions: [{ name: 'example', type: 'A', class: 'IN' }],
    ...p,
  });
}

describe('responseMaxAge (RFC 8484 §5.1)', () => {
  const a = (ttl: number) => ({ name: 'example', type: 'A' as const, ttl, data: '192.0.2.1' });
  test.each<[string, Buffer, number]>([
    ['smallest answer TTL', msg({ answers: [a(300), a(60), a(900)] }), 60],
    [
      'authority TTLs do not lower a positive answer',
      msg({ answers: [a(300)], authorities: [soa(5, 5)] }),
      300,
    ],
    ['NXDOMAIN: min(SOA TTL, MINIMUM)', msg({ authorities: [soa(3600, 120)] }, 3), 120],
    ['NODATA: SOA TTL when lower', msg({ authorities: [soa(30, 120)] }), 30],
    ['NXDOMAIN after a CNAME chain', msg({ answers: [a(10)], authorities: [soa(3600, 120)] }, 3), 10],
    ['no records at all', msg({}), 0],
    ['SERVFAIL', msg({ answers: [a(300)] }, 2), 0],
    ['REFUSED', msg({}, 5), 0],
    ['truncated', msg({ answers: [a(300)] }, 0, true), 0],
    ['TTL with the top bit set reads as 0', msg({ answers: [a(0x80000000), a(300)] }), 0],
    ['malformed', msg({ answers: [a(300)] }).subarray(0, 40), 0],
    ['short', Buffer.alloc(4), 0],
  ])('%s', (_name, response, expected) => {
    expect(responseMaxAge(response)).toBe(expected);
  });
});

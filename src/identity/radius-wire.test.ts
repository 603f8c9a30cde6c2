import radius from 'radius';
import { describe, expect, test } from 'vitest';
import {
  ATTR,
  CODE,
  decodePacket,
  encodePacket,
  findAttribute,
  type MalformedKind,
  parseIpv6Prefix,
  type RadiusPacket,
  requestAuthenticatorValid,
  responseAuthenticatorValid,
  u32Of,
} from './radius-wire.js';
import { accountingRequest, prefixValue, sessionAttributes } from './testing.js';

const SECRET = 'testing123';
const secret = Buffer.from(SECRET);

function decoded(datagram: Buffer): RadiusPacket {
  const p = decodePacket(datagram);
  if (typeof p === 'string') throw new Error(`malformed: ${p}`);
  return p;
}

const start = () =>
  accountingRequest(sessionAttributes('Start', [['Framed-IP-Address', '100.64.0.42']]), SECRET, 7);

describe('decodePacket', () => {
  test('reads a request encoded by the radius package', () => {
    const p = decoded(start());
    expect([p.code, p.identifier]).toEqual([CODE.accountingRequest, 7]);
    expect(u32Of(findAttribute(p, ATTR.acctStatusType))).toBe(1);
    expect(u32Of(findAttribute(p, ATTR.framedIpAddress))).toBe(0x6440002a);
  });

  test('ignores padding past the Length field (RFC 2865 §3)', () => {
    const p = decoded(Buffer.concat([start(), Buffer.alloc(7, 0xff)]));
    expect(requestAuthenticatorValid(p, secret)).toBe(true);
  });

  const withLength = (length: number) => {
    const b = Buffer.from(start());
    b.writeUInt16BE(length, 2);
    return b;
  };
  const withAttributeLength = (length: number) => {
    const b = Buffer.from(start());
    b[21] = length;
    return b;
  };
  test.each<[string, () => Buffer, MalformedKind]>([
    ['empty', () => Buffer.alloc(0), 'truncated'],
    ['header cut short', () => start().subarray(0, 19), 'truncated'],
    ['shorter than its Length field', () => start().subarray(0, start().length - 1), 'truncated'],
    ['Length below 20', () => withLength(19), 'bad-length'],
    ['Length over 4096', () => withLength(4097), 'bad-length'],
    ['Length cutting an attribute', () => withLength(21), 'bad-attribute'],
    ['attribute length 0', () => withAttributeLength(0), 'bad-attribute'],
    ['attribute length 1', () => withAttributeLength(1), 'bad-attribute'],
    ['attribute running past the end', () => withAttributeLength(255), 'bad-attribute'],
  ])('refuses %s', (_name, make, kind) => {
    expect(decodePacket(make())).toBe(kind);
  });

  test('never throws on random bytes', () => {
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.alloc(Math.floor(Math.random() * 80));
      for (let j = 0; j < b.length; j++) b[j] = Math.floor(Math.random() * 256);
      if (b.length >= 4 && i % 2 === 0) b.writeUInt16BE(b.length, 2);
      expect(() => decodePacket(b)).not.toThrow();
    }
  });
});

describe('authenticators (RFC 2866 §3)', () => {
  test('a request signed with the secret verifies', () => {
    expect(requestAuthenticatorValid(decoded(start()), secret)).toBe(true);
  });

  test('the wrong secret fails', () => {
    expect(requestAuthenticatorValid(decoded(start()), Buffer.from('other'))).toBe(false);
  });

  test('a changed attribute fails', () => {
    const b = start();
    b[b.length - 1] ^= 1;
    expect(requestAuthenticatorValid(decoded(b), secret)).toBe(false);
  });

  test('our response verifies with the radius package', () => {
    const request = start();
    const p = decoded(request);
    const response = encodePacket(CODE.accountingResponse, p.identifier, [], secret, p.authenticator);
    expect(radius.verify_response({ request, response, secret: SECRET })).toBe(true);
    expect(responseAuthenticatorValid(decoded(response), p.authenticator, secret)).toBe(true);
    expect(responseAuthenticatorValid(decoded(response), Buffer.alloc(16), secret)).toBe(false);
  });

  test('our request decodes and verifies in the radius package', () => {
    const request = encodePacket(
      CODE.disconnectRequest,
      9,
      [{ type: 1, value: Buffer.from('sub-1') }],
      secret,
    );
    const p = radius.decode({ packet: request, secret: SECRET });
    expect([p.code, p.identifier, p.attributes['User-Name']]).toEqual(['Disconnect-Request', 9, 'sub-1']);
  });
});

describe('parseIpv6Prefix (RFC 3162 §2.3, RFC 4818)', () => {
  test.each<[string, Buffer, { hi: number; lo: number; length: number } | null]>([
    [
      'a /56, trimmed',
      prefixValue([0x20010db8, 0x0001ab00], 56),
      { hi: 0x20010db8, lo: 0x0001ab00, length: 56 },
    ],
    [
      'a /64, full 16 octets',
      Buffer.concat([Buffer.from([0, 64]), Buffer.alloc(16, 0x11)]),
      {
        hi: 0x11111111,
        lo: 0x11111111,
        length: 64,
      },
    ],
    [
      'a /48 with host bits set: cleared',
      Buffer.from([0, 48, 0x20, 1, 0xd, 0xb8, 0, 1, 0xff]),
      {
        hi: 0x20010db8,
        lo: 0x00010000,
        length: 48,
      },
    ],
    [
      'a /128: held as its /64',
      Buffer.concat([Buffer.from([0, 128]), Buffer.alloc(16, 0xff)]),
      {
        hi: 0xffffffff,
        lo: 0xffffffff,
        length: 64,
      },
    ],
    ['length over 128', Buffer.from([0, 129, 0, 0]), null],
    ['prefix shorter than its length', Buffer.from([0, 64, 0x20, 1]), null],
    ['no length octet', Buffer.from([0]), null],
  ])('%s', (_name, value, expected) => {
    expect(parseIpv6Prefix(value)).toEqual(expected);
  });
});

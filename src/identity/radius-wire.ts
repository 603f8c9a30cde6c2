/**
 * RADIUS packets on the wire (RFC 2865 §3, §5), written here rather than through the `radius`
 * package: the accounting listener is a hot path that must reject malformed input precisely
 * and cheaply, and needs no dictionary files. The `radius` package is kept as the independent
 * implementation the tests check this one against.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Packet codes used here (RFC 2865 §3, RFC 2866 §4, RFC 5176 §3). */
export const CODE = {
  accountingRequest: 4,
  accountingResponse: 5,
  disconnectRequest: 40,
  disconnectAck: 41,
  disconnectNak: 42,
} as const;

/** Attribute types used here. */
export const ATTR = {
  userName: 1,
  nasIpAddress: 4,
  framedIpAddress: 8,
  nasIdentifier: 32,
  proxyState: 33,
  acctStatusType: 40,
  acctDelayTime: 41,
  acctSessionId: 44,
  eventTimestamp: 55,
  nasIpv6Address: 95,
  framedIpv6Prefix: 97,
  errorCause: 101,
  delegatedIpv6Prefix: 123,
} as const;

/** RFC 2865 §3: header is Code, Identifier, Length (2), Authenticator (16). */
export const HEADER_LENGTH = 20;
/** RFC 2865 §3: the largest packet. */
export const MAX_LENGTH = 4096;

/** One attribute: its type and a view of its value (no copy). */
export interface RadiusAttribute {
  readonly type: number;
  readonly value: Buffer;
}

/** A decoded packet; `raw` is the packet trimmed to its Length field. */
export interface RadiusPacket {
  readonly code: number;
  readonly identifier: number;
  readonly authenticator: Buffer;
  readonly attributes: readonly RadiusAttribute[];
  readonly raw: Buffer;
}

/** Why a datagram is not a RADIUS packet. */
export type MalformedKind = 'truncated' | 'bad-length' | 'bad-attribute';

/**
 * Decodes a datagram, or says why it is malformed. RFC 2865 §3: a packet shorter than its
 * Length field is discarded; octets beyond Length are padding and ignored. RFC 2865 §5: every
 * attribute is at least 2 octets and the attributes fill the packet exactly.
 */
export function decodePacket(datagram: Buffer): RadiusPacket | MalformedKind {
  if (datagram.length < HEADER_LENGTH) return 'truncated';
  const length = datagram.readUInt16BE(2);
  if (length < HEADER_LENGTH || length > MAX_LENGTH) return 'bad-length';
  if (length > datagram.length) return 'truncated';
  const raw = datagram.length === length ? datagram : datagram.subarray(0, length);
  const attributes: RadiusAttribute[] = [];
  for (let at = HEADER_LENGTH; at < length; ) {
    if (at + 2 > length) return 'bad-attribute';
    const len = raw[at + 1];
    if (len < 2 || at + len > length) return 'bad-attribute';
    attributes.push({ type: raw[at], value: raw.subarray(at + 2, at + len) });
    at += len;
  }
  return {
    code: raw[0],
    identifier: raw[1],
    authenticator: raw.subarray(4, HEADER_LENGTH),
    attributes,
    raw,
  };
}

const ZERO_AUTHENTICATOR = Buffer.alloc(16);

/**
 * MD5(Code + Identifier + Length + `authenticator` + Attributes + secret): the Request
 * Authenticator of Accounting and Disconnect requests with 16 zero octets (RFC 2866 §3,
 * RFC 5176 §2.3), the Response Authenticator with the request's (RFC 2865 §3, RFC 2866 §3).
 */
export function authenticatorOf(raw: Buffer, authenticator: Buffer, secret: Buffer): Buffer {
  return createHash('md5')
    .update(raw.subarray(0, 4))
    .update(authenticator)
    .update(raw.subarray(HEADER_LENGTH))
    .update(secret)
    .digest();
}

/** RFC 2866 §3 / RFC 5176 §2.3: true when a request's authenticator matches the shared secret. */
export function requestAuthenticatorValid(packet: RadiusPacket, secret: Buffer): boolean {
  return timingSafeEqual(authenticatorOf(packet.raw, ZERO_AUTHENTICATOR, secret), packet.authenticator);
}

/** RFC 2866 §3 / RFC 5176 §3.5: true when a response answers `requestAuthenticator` under `secret`. */
export function responseAuthenticatorValid(
  response: RadiusPacket,
  requestAuthenticator: Buffer,
  secret: Buffer,
): boolean {
  const expected = authenticatorOf(response.raw, requestAuthenticator, secret);
  return timingSafeEqual(expected, response.authenticator);
}

/**
 * Encodes a packet. With `requestAuthenticator` it is a response (RFC 2865 §3 Response
 * Authenticator); without, a request whose authenticator is computed over zeros (RFC 2866 §3).
 */
export function encodePacket(
  code: number,
  identifier: number,
  attributes: readonly RadiusAttribute[],
  secret: Buffer,
  requestAuthenticator?: Buffer,
): Buffer {
  let length = HEADER_LENGTH;
  for (const a of attributes) {
    if (a.value.length > 253) throw new RangeError(`radius attribute ${a.type}: value over 253 octets`);
    length += 2 + a.value.length;
  }
  if (length > MAX_LENGTH) throw new RangeError(`radius packet of ${length} octets is over ${MAX_LENGTH}`);
  const raw = Buffer.allocUnsafe(length);
  raw[0] = code;
  raw[1] = identifier;
  raw.writeUInt16BE(length, 2);
  let at = HEADER_LENGTH;
  for (const a of attributes) {
    raw[at] = a.type;
    raw[at + 1] = a.value.length + 2;
    a.value.copy(raw, at + 2);
    at += 2 + a.value.length;
  }
  authenticatorOf(raw, requestAuthenticator ?? ZERO_AUTHENTICATOR, secret).copy(raw, 4);
  return raw;
}

/** The first attribute of `type`, or undefined. */
export function findAttribute(packet: RadiusPacket, type: number): Buffer | undefined {
  for (const a of packet.attributes) if (a.type === type) return a.value;
  return undefined;
}

/** RFC 2865 §5 integer / address: a 4-octet value as u32, or -1 when the length is wrong. */
export function u32Of(value: Buffer | undefined): number {
  return value !== undefined && value.length === 4 ? value.readUInt32BE(0) : -1;
}

/** A 4-octet attribute value. */
export function u32Value(type: number, v: number): RadiusAttribute {
  const value = Buffer.allocUnsafe(4);
  value.writeUInt32BE(v >>> 0, 0);
  return { type, value };
}

/** An IPv6 prefix as its top 64 bits (`hi`, `lo`) and length (≤ 64 here: see `parseIpv6Prefix`). */
export interface Ipv6Prefix {
  readonly hi: number;
  readonly lo: number;
  readonly length: number;
}

/**
 * RFC 3162 §2.3 (Framed-IPv6-Prefix), RFC 4818 §3 (Delegated-IPv6-Prefix): Reserved, Prefix-Length,
 * then the prefix, which senders may trim to the octets the length needs (RFC 8044 §3.10). Bits
 * past the length are cleared. Prefixes longer than /64 are held as their /64: a subscriber's
 * addresses are looked up by the /64 they fall in. Null when malformed.
 */
export function parseIpv6Prefix(value: Buffer): Ipv6Prefix | null {
  if (value.length < 2 || value.length > 18) return null;
  const length = value[1];
  if (length > 128 || value.length - 2 < Math.ceil(length / 8)) return null;
  const bytes = Buffer.alloc(8);
  value.copy(bytes, 0, 2, Math.min(value.length, 10));
  const kept = Math.min(length, 64);
  const hiMask = kept >= 32 ? 0xffffffff : kept === 0 ? 0 : (0xffffffff << (32 - kept)) >>> 0;
  const loBits = Math.max(0, kept - 32);
  const loMask = loBits >= 32 ? 0xffffffff : loBits === 0 ? 0 : (0xffffffff << (32 - loBits)) >>> 0;
  return {
    hi: (bytes.readUInt32BE(0) & hiMask) >>> 0,
    lo: (bytes.readUInt32BE(4) & loMask) >>> 0,
    length: kept,
  };
}

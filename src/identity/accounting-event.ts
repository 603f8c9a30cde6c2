/**
 * From a verified Accounting-Request (RFC 2866 §4.1) to the event the lease index applies:
 * status, session, subscriber, addresses (Framed-IP-Address RFC 2865 §5.8, Framed-IPv6-Prefix
 * RFC 3162 §2.3, Delegated-IPv6-Prefix RFC 4818 §3) and when it happened.
 */
import { formatIPv4, formatIPv6 } from '../core/net/address.js';
import {
  ATTR,
  findAttribute,
  type Ipv6Prefix,
  parseIpv6Prefix,
  type RadiusPacket,
  u32Of,
} from './radius-wire.js';

/** Acct-Status-Type values understood (RFC 2866 §5.1). */
export type AccountingStatus = 'start' | 'stop' | 'interim' | 'on' | 'off';

const STATUS: Readonly<Record<number, AccountingStatus>> = {
  1: 'start',
  2: 'stop',
  3: 'interim',
  7: 'on',
  8: 'off',
};

/** One accounting event, as applied to the lease index and handed to `onEvent`. */
export interface AccountingEvent {
  readonly status: AccountingStatus;
  readonly isp: string;
  /** NAS-IP-Address, NAS-IPv6-Address, NAS-Identifier or the client's address, first present. */
  readonly nas: string;
  /** Acct-Session-Id ('' for Accounting-On/Off). */
  readonly sessionId: string;
  /** The configured subscriber attribute (User-Name by default), or null. */
  readonly subscriber: string | null;
  /** Framed-IP-Address as u32, or -1. */
  readonly ipv4: number;
  readonly ipv6: readonly Ipv6Prefix[];
  /** Epoch milliseconds the event happened at the NAS. */
  readonly time: number;
}

/** Why a well-formed, authentic request still cannot be applied. */
export type EventProblem = 'no-status' | 'unknown-status' | 'no-session-id' | 'bad-attribute';

/** What `parseAccountingEvent` needs besides the packet. */
export interface EventContext {
  readonly isp: string;
  readonly clientAddress: string;
  readonly now: number;
  /** Attribute type carrying the subscriber id (default 1, User-Name). */
  readonly subscriberAttribute?: number;
}

function text(value: Buffer | undefined): string | null {
  if (value === undefined || value.length === 0) return null;
  return value.toString('utf8');
}

function nasOf(packet: RadiusPacket, clientAddress: string): string {
  const v4 = u32Of(findAttribute(packet, ATTR.nasIpAddress));
  if (v4 >= 0) return formatIPv4(v4);
  const v6 = findAttribute(packet, ATTR.nasIpv6Address);
  if (v6 !== undefined && v6.length === 16) {
    return formatIPv6([v6.readUInt32BE(0), v6.readUInt32BE(4), v6.readUInt32BE(8), v6.readUInt32BE(12)]);
  }
  return text(findAttribute(packet, ATTR.nasIdentifier)) ?? clientAddress;
}

function prefixesOf(packet: RadiusPacket): Ipv6Prefix[] | null {
  const out: Ipv6Prefix[] = [];
  for (const a of packet.attributes) {
    if (a.type !== ATTR.framedIpv6Prefix && a.type !== ATTR.delegatedIpv6Prefix) continue;
    const p = parseIpv6Prefix(a.value);
    if (p === null) return null;
    if (!out.some((x) => x.hi === p.hi && x.lo === p.lo && x.length === p.length)) out.push(p);
  }
  return out;
}

/** The event an authentic Accounting-Request reports, or why it cannot be applied. */
export function parseAccountingEvent(
  packet: RadiusPacket,
  ctx: EventContext,
): AccountingEvent | EventProblem {
  const code = u32Of(findAttribute(packet, ATTR.acctStatusType));
  if (code < 0) return 'no-status';
  const status = STATUS[code];
  if (status === undefined) return 'unknown-status';
  const sessionId = text(findAttribute(packet, ATTR.acctSessionId)) ?? '';
  // RFC 2866 §5.5: Acct-Session-Id is in every request; On/Off concern the NAS, not a session.
  if (sessionId === '' && status !== 'on' && status !== 'off') return 'no-session-id';
  const framed = findAttribute(packet, ATTR.framedIpAddress);
  let ipv4 = u32Of(framed);
  if (framed !== undefined && ipv4 < 0) return 'bad-attribute';
  // RFC 2865 §5.8: 255.255.255.255 and .254 ask the NAS to pick; they are not an address.
  if (ipv4 === 0xffffffff || ipv4 === 0xfffffffe || ipv4 === 0) ipv4 = -1;
  const ipv6 = prefixesOf(packet);
  if (ipv6 === null) return 'bad-attribute';
  // RFC 2866 §5.2: the event happened Acct-Delay-Time seconds before the request was sent.
  const delay = u32Of(findAttribute(packet, ATTR.acctDelayTime));
  return {
    status,
    isp: ctx.isp,
    nas: nasOf(packet, ctx.clientAddress),
    sessionId,
    subscriber: text(findAttribute(packet, ctx.subscriberAttribute ?? ATTR.userName)),
    ipv4,
    ipv6,
    time: ctx.now - (delay > 0 ? delay * 1000 : 0),
  };
}

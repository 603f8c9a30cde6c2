/**
 * dnstap encoding of DNS query records (dnstap.proto, github.com/dnstap/dnstap.pb).
 *
 * Message type: one CLIENT_RESPONSE per record. A record is written once the query has been
 * answered and holds both ends of the exchange (arrival time, latency, rcode), which is exactly
 * what the schema recommends for CLIENT_RESPONSE: socket_family, socket_protocol, query_time,
 * response_time and response_message. Emitting a CLIENT_QUERY as well would double the volume
 * and add nothing the response does not already say.
 *
 * response_message: Gatehouse keeps no packets (DESIGN principle 4), so the message is rebuilt
 * from the record: a header (QR, RD, RA, the rcode), the question (qname, qtype, IN) and, when
 * the answer disclosed an order, an OPT record with the RFC 8914 EDE INFO-CODE it carried. No
 * answer records are invented. Readers such as `dnstap-read -y` print it as a normal message.
 *
 * Privacy: query_address only when configured; query_port never; the subscriber pseudonym goes
 * in the top-level `extra` field as `pseudonym=<p>` (dnstap's free annotation field).
 */
import type { DnsQueryRecord, DnsTransport } from '../types.js';
import { addressBytes } from './address.js';
import { ProtoWriter } from './protobuf.js';

/** Message.Type values used here. */
export const MESSAGE_TYPE = { CLIENT_QUERY: 5, CLIENT_RESPONSE: 6 } as const;
/** SocketFamily. */
export const SOCKET_FAMILY = { INET: 1, INET6: 2 } as const;
/** SocketProtocol, by Gatehouse transport. */
export const SOCKET_PROTOCOL: Readonly<Record<DnsTransport, number>> = { udp: 1, tcp: 2, dot: 3, doh: 4 };
/** Policy.Action values. */
const POLICY_ACTION = { NXDOMAIN: 1, NODATA: 2, PASS: 3, LOCAL_DATA: 6 } as const;
const POLICY_MATCH_QNAME = 1;
const DNSTAP_TYPE_MESSAGE = 1;

/** What every frame of one exporter shares. */
export interface DnstapOptions {
  /** Dnstap.identity: the node name. */
  readonly identity: string;
  /** Dnstap.version. */
  readonly version: string;
  readonly includeAddress: boolean;
}

/** Encodes one record as a serialized `dnstap.Dnstap` message. */
export function encodeDnstap(r: DnsQueryRecord, o: DnstapOptions): Buffer {
  const address = addressBytes(r.clientAddress);
  const responseTime = r.time + r.latencyUs / 1000;
  const m = new ProtoWriter().varint(1, MESSAGE_TYPE.CLIENT_RESPONSE);
  if (address) m.varint(2, address.length === 4 ? SOCKET_FAMILY.INET : SOCKET_FAMILY.INET6);
  m.varint(3, SOCKET_PROTOCOL[r.transport]);
  if (o.includeAddress && address) m.bytes(4, address);
  // query_port (6) is left out on purpose: with the address it would single out a client.
  m.varint(8, Math.floor(r.time / 1000)).fixed32(9, nanos(r.time));
  m.varint(12, Math.floor(responseTime / 1000)).fixed32(13, nanos(responseTime));
  m.bytes(14, responseMessage(r));
  if (r.orderId > 0) m.bytes(15, policy(r));
  const d = new ProtoWriter().bytes(1, o.identity).bytes(2, o.version);
  if (r.subscriber !== null) d.bytes(3, `pseudonym=${r.subscriber}`);
  return d.bytes(14, m.finish()).varint(15, DNSTAP_TYPE_MESSAGE).finish();
}

function nanos(ms: number): number {
  const frac = ms - Math.floor(ms / 1000) * 1000;
  return Math.min(999_999_999, Math.round(frac * 1e6));
}

/** dnstap Policy: which order decided, and what the answer did about it. */
function policy(r: DnsQueryRecord): Buffer {
  const action =
    r.verdict === 'safe-search'
      ? POLICY_ACTION.LOCAL_DATA
      : r.verdict !== 'block'
        ? POLICY_ACTION.PASS
        : r.rcode === 3
          ? POLICY_ACTION.NXDOMAIN
          : POLICY_ACTION.NODATA;
  return new ProtoWriter()
    .bytes(1, 'gatehouse-order')
    .bytes(2, `order/${r.orderId}`)
    .varint(3, action)
    .varint(4, POLICY_MATCH_QNAME)
    .finish();
}

/** Encodes a name (lowercase, no trailing dot) as uncompressed wire labels (RFC 1035 §3.1). */
export function encodeName(name: string): Buffer {
  const labels = name === '' || name === '.' ? [] : name.replace(/\.$/, '').split('.');
  const parts: Buffer[] = [];
  let total = 1;
  for (const label of labels) {
    const b = Buffer.from(label, 'utf8');
    // A label the record could not have come from (empty, > 63 octets, name > 255) ends the name.
    if (b.length === 0 || b.length > 63 || total + 1 + b.length > 255) break;
    parts.push(Buffer.from([b.length]), b);
    total += 1 + b.length;
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts, total);
}

/** The response rebuilt from the record: header, question and, with an EDE, an OPT record. */
export function responseMessage(r: DnsQueryRecord): Buffer {
  const question = encodeName(r.qname);
  const withOpt = r.ede !== null;
  const msg = Buffer.alloc(12 + question.length + 4 + (withOpt ? 11 + 6 : 0));
  // RFC 1035 §4.1.1: ID 0 (the real one is not kept), QR=1, RD=1, RA=1, RCODE.
  msg.writeUInt16BE(0, 0);
  msg.writeUInt16BE(0x8180 | (r.rcode & 0x0f), 2);
  msg.writeUInt16BE(1, 4); // QDCOUNT
  msg.writeUInt16BE(withOpt ? 1 : 0, 10); // ARCOUNT
  question.copy(msg, 12);
  let at = 12 + question.length;
  msg.writeUInt16BE(r.qtype & 0xffff, at);
  msg.writeUInt16BE(1, at + 2); // class IN
  at += 4;
  if (withOpt) {
    // RFC 6891 §6.1.2 OPT: root owner, TYPE 41, CLASS = UDP payload size, TTL = ext-rcode/version/flags.
    msg.writeUInt8(0, at);
    msg.writeUInt16BE(41, at + 1);
    msg.writeUInt16BE(1232, at + 3);
    msg.writeUInt32BE(((r.rcode >> 4) & 0xff) << 24, at + 5);
    msg.writeUInt16BE(6, at + 9); // RDLENGTH
    // RFC 8914 §2: OPTION-CODE 15, INFO-CODE; the EXTRA-TEXT is not part of the record.
    msg.writeUInt16BE(15, at + 11);
    msg.writeUInt16BE(2, at + 13);
    msg.writeUInt16BE((r.ede ?? 0) & 0xffff, at + 15);
  }
  return msg;
}

/**
 * RADIUS Disconnect out (RFC 5176): asks an ISP's NAS to end a subscriber's session, as a
 * disconnection order requires. One Disconnect-Request, retransmitted unchanged on silence
 * (RFC 5080 §2.2.1: same Identifier and Authenticator), until an authentic ACK or NAK arrives.
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { GatehouseError } from '../core/errors.js';
import { parseIPv4 } from '../core/net/address.js';
import {
  ATTR,
  CODE,
  decodePacket,
  encodePacket,
  findAttribute,
  type RadiusAttribute,
  responseAuthenticatorValid,
  u32Of,
  u32Value,
} from './radius-wire.js';

/** The session to disconnect (RFC 5176 §3: session identification attributes). */
export interface DisconnectAttributes {
  readonly 'User-Name'?: string;
  readonly 'Acct-Session-Id'?: string;
  readonly 'Framed-IP-Address'?: string;
}

/** Options of `sendDisconnect`. */
export interface DisconnectOptions {
  /** The NAS's Dynamic Authorization port: `HOST:PORT` or `[IPV6]:PORT` (3799 is IANA's). */
  readonly nas: string;
  readonly secret: string | Buffer;
  readonly attributes: DisconnectAttributes;
  /** Wait for an answer to each attempt (default 2000 ms). */
  readonly timeoutMs?: number;
  /** Retransmissions after the first attempt (default 2). */
  readonly retries?: number;
  readonly now?: () => number;
}

/** What the NAS said. */
export type DisconnectOutcome = 'ack' | 'nak' | 'timeout';

/** The outcome, the Error-Cause of a NAK (RFC 5176 §3.6), and how many requests were sent. */
export interface DisconnectResult {
  readonly outcome: DisconnectOutcome;
  readonly errorCause?: number;
  readonly attempts: number;
  /** Responses ignored because their identifier or authenticator did not match. */
  readonly rejected: number;
}

function configError(message: string): GatehouseError {
  return new GatehouseError('GH_ERR_RADIUS_CONFIG', message);
}

/** Splits `HOST:PORT` / `[IPV6]:PORT`. */
export function parseNasAddress(nas: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(nas);
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) {
    throw configError(`radius disconnect: nas "${nas}" is not HOST:PORT or [IPV6]:PORT`);
  }
  return { host: m[1] ?? m[2], port };
}

function requestAttributes(a: DisconnectAttributes, now: number): RadiusAttribute[] {
  const out: RadiusAttribute[] = [];
  if (a['User-Name']) out.push({ type: ATTR.userName, value: Buffer.from(a['User-Name']) });
  if (a['Acct-Session-Id']) out.push({ type: ATTR.acctSessionId, value: Buffer.from(a['Acct-Session-Id']) });
  if (a['Framed-IP-Address'] !== undefined) {
    const v4 = parseIPv4(a['Framed-IP-Address']);
    if (v4 < 0) throw configError(`radius disconnect: invalid Framed-IP-Address "${a['Framed-IP-Address']}"`);
    out.push(u32Value(ATTR.framedIpAddress, v4));
  }
  if (out.length === 0) throw configError('radius disconnect: no session identification attributes');
  // RFC 5176 §3.4 (and RFC 5176 §5 on replay): Event-Timestamp lets the NAS refuse stale requests.
  out.push(u32Value(ATTR.eventTimestamp, Math.floor(now / 1000)));
  return out;
}

/** Sends a Disconnect-Request and waits for an authentic Disconnect-ACK or -NAK. */
export async function sendDisconnect(opts: DisconnectOptions): Promise<DisconnectResult> {
  const { host, port } = parseNasAddress(opts.nas);
  const secret = Buffer.from(opts.secret);
  if (secret.length === 0) throw configError('radius disconnect: empty shared secret');
  const attributes = requestAttributes(opts.attributes, (opts.now ?? Date.now)());
  const identifier = randomInt(256);
  const request = encodePacket(CODE.disconnectRequest, identifier, attributes, secret);
  const authenticator = request.subarray(4, 20);
  const timeoutMs = opts.timeoutMs ?? 2000;
  const tries = 1 + Math.max(0, opts.retries ?? 2);
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  let attempts = 0;
  let rejected = 0;
  try {
    return await new Promise<DisconnectResult>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const send = () => {
        attempts++;
        socket.send(request, () => {});
        timer = setTimeout(() => (attempts < tries ? send() : finish({ outcome: 'timeout' })), timeoutMs);
      };
      const finish = (r: { outcome: DisconnectOutcome; errorCause?: number }) => {
        clearTimeout(timer);
        resolve({ ...r, attempts, rejected });
      };
      let connected = false;
      // ICMP unreachable surfaces as an error on a connected socket: it is silence, retried.
      // Before connecting (the NAS name did not resolve) nothing can be sent: a timeout, at once.
      socket.on('error', () => {
        if (!connected) finish({ outcome: 'timeout' });
      });
      socket.on('message', (msg) => {
        const response = decodePacket(msg);
        const valid =
          typeof response !== 'string' &&
          response.identifier === identifier &&
          (response.code === CODE.disconnectAck || response.code === CODE.disconnectNak) &&
          responseAuthenticatorValid(response, authenticator, secret);
        if (!valid) {
          rejected++;
          return;
        }
        if (response.code === CODE.disconnectAck) return finish({ outcome: 'ack' });
        const cause = u32Of(findAttribute(response, ATTR.errorCause));
        finish(cause >= 0 ? { outcome: 'nak', errorCause: cause } : { outcome: 'nak' });
      });
      // Connecting the socket makes the kernel drop datagrams from anyone but the NAS.
      socket.connect(port, host, () => {
        connected = true;
        send();
      });
    });
  } finally {
    socket.close();
  }
}

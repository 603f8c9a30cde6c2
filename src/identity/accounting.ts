/**
 * RADIUS accounting in (RFC 2866): the ISPs' NASes report sessions, and the lease index learns
 * which subscriber holds which address. Transport-independent handler plus a UDP server.
 *
 * RFC 2866 §4.1: a request the server cannot record gets no Accounting-Response, so the NAS
 * retransmits; requests from unknown clients or with a wrong authenticator are silently
 * dropped (RFC 2865 §3, RFC 2866 §3). Every drop is counted by reason; nothing here throws.
 */
import dgram from 'node:dgram';
import { GatehouseError } from '../core/errors.js';
import { type AccountingEvent, type AccountingStatus, parseAccountingEvent } from './accounting-event.js';
import type { LeaseIndex } from './lease-index.js';
import {
  ATTR,
  CODE,
  decodePacket,
  encodePacket,
  type RadiusAttribute,
  requestAuthenticatorValid,
} from './radius-wire.js';

export type { AccountingEvent, AccountingStatus } from './accounting-event.js';

/** A RADIUS client (a NAS or an ISP's RADIUS proxy) and the ISP it speaks for. */
export interface RadiusClient {
  readonly isp: string;
  readonly secret: string | Buffer;
}

/** Clients by source address, or a function from source address to client (null: unknown). */
export type RadiusClients =
  | ReadonlyMap<string, RadiusClient>
  | ((clientAddress: string) => RadiusClient | null);

/** Why a datagram got no answer. */
export type AccountingDrop =
  | 'truncated'
  | 'bad-length'
  | 'bad-attribute'
  | 'unexpected-code'
  | 'unknown-client'
  | 'bad-authenticator'
  | 'no-status'
  | 'no-session-id'
  | 'error';

/** Counters hooks (the composition root binds them to Prometheus; labels stay bounded). */
export interface AccountingMetrics {
  onRequest(status: AccountingStatus | 'other'): void;
  onDrop(reason: AccountingDrop): void;
}

/** The slice of a pino logger used here. */
export interface AccountingLogger {
  warn(obj: object, msg: string): void;
}

/** Options of `createAccountingHandler`. */
export interface AccountingHandlerOptions {
  readonly secrets: RadiusClients;
  readonly leases: LeaseIndex;
  /** Called after each event is applied (records, audit). Exceptions are counted, not thrown. */
  readonly onEvent?: (event: AccountingEvent) => void;
  readonly metrics?: AccountingMetrics;
  readonly logger?: AccountingLogger;
  /** Attribute type carrying the subscriber id (default 1, User-Name). */
  readonly subscriberAttribute?: number;
  readonly now?: () => number;
}

/** Handles one datagram: the Accounting-Response to send, or null to drop it. */
export interface AccountingHandler {
  handle(datagram: Buffer, clientAddress: string): Buffer | null;
  /** Requests answered, by status, and drops, by reason. */
  readonly counters: Readonly<Record<string, number>>;
}

const WARN_EVERY_MS = 60_000;

function secretsLookup(secrets: RadiusClients): (address: string) => { isp: string; secret: Buffer } | null {
  const cache = new WeakMap<RadiusClient, { isp: string; secret: Buffer }>();
  const resolve = (c: RadiusClient | null | undefined) => {
    if (!c) return null;
    const r = cache.get(c) ?? { isp: c.isp, secret: Buffer.from(c.secret) };
    cache.set(c, r);
    return r;
  };
  return typeof secrets === 'function'
    ? (address) => resolve(secrets(address))
    : (address) => resolve(secrets.get(address));
}

/** Builds the accounting handler over a lease index. */
export function createAccountingHandler(opts: AccountingHandlerOptions): AccountingHandler {
  const clientOf = secretsLookup(opts.secrets);
  const now = opts.now ?? Date.now;
  const counters: Record<string, number> = Object.create(null);
  const warned = new Map<string, number>();
  const count = (key: string) => {
    counters[key] = (counters[key] ?? 0) + 1;
  };
  const drop = (reason: AccountingDrop, clientAddress: string, err?: unknown): null => {
    count(`drop:${reason}`);
    opts.metrics?.onDrop(reason);
    const t = now();
    if (opts.logger && t - (warned.get(reason) ?? Number.NEGATIVE_INFINITY) >= WARN_EVERY_MS) {
      warned.set(reason, t);
      opts.logger.warn({ reason, client: clientAddress, err }, 'radius accounting request dropped');
    }
    return null;
  };

  const handle = (datagram: Buffer, rawAddress: string): Buffer | null => {
    const clientAddress = rawAddress.startsWith('::ffff:') ? rawAddress.slice(7) : rawAddress;
    try {
      const packet = decodePacket(datagram);
      if (typeof packet === 'string') return drop(packet, clientAddress);
      if (packet.code !== CODE.accountingRequest) return drop('unexpected-code', clientAddress);
      const client = clientOf(clientAddress);
      if (client === null) return drop('unknown-client', clientAddress);
      // RFC 2866 §3: MD5 over the request with a zero authenticator, then the shared secret.
      if (!requestAuthenticatorValid(packet, client.secret)) return drop('bad-authenticator', clientAddress);
      const event = parseAccountingEvent(packet, {
        isp: client.isp,
        clientAddress,
        now: now(),
        subscriberAttribute: opts.subscriberAttribute,
      });
      if (event === 'unknown-status') {
        // Tunnel and Failed records (RFC 2867, RFC 2866 §5.1) say nothing about leases: recorded as no-ops.
        count('request:other');
        opts.metrics?.onRequest('other');
      } else if (typeof event === 'string') {
        return drop(event, clientAddress);
      } else {
        apply(opts.leases, event);
        count(`request:${event.status}`);
        opts.metrics?.onRequest(event.status);
        opts.onEvent?.(event);
      }
      // RFC 2865 §5.33: Proxy-State is copied, unmodified and in order, into the response.
      const echoed: RadiusAttribute[] = packet.attributes.filter((a) => a.type === ATTR.proxyState);
      return encodePacket(
        CODE.accountingResponse,
        packet.identifier,
        echoed,
        client.secret,
        packet.authenticator,
      );
    } catch (err) {
      return drop('error', clientAddress, err);
    }
  };
  return { handle, counters };
}

/** Applies one event to the index. Idempotent: a retransmit changes nothing. */
function apply(leases: LeaseIndex, e: AccountingEvent): void {
  switch (e.status) {
    case 'start':
    case 'interim':
      // A session without a subscriber or an address names nobody: acknowledged, not indexed.
      if (e.subscriber !== null && (e.ipv4 >= 0 || e.ipv6.length > 0)) {
        leases.open(
          {
            isp: e.isp,
            nas: e.nas,
            sessionId: e.sessionId,
            subscriber: e.subscriber,
            ipv4: e.ipv4,
            ipv6: e.ipv6,
          },
          e.time,
        );
      }
      return;
    case 'stop':
      leases.close(e.isp, e.nas, e.sessionId, e.time);
      return;
    case 'on':
    case 'off':
      // RFC 2866 §5.1: the NAS (re)started or is going down; none of its sessions survive.
      leases.closeNas(e.isp, e.nas, e.time);
      return;
  }
}

/** Options of `createAccountingServer`. */
export interface AccountingServerOptions extends AccountingHandlerOptions {
  /** Address to bind (`127.0.0.1`, `::`). */
  readonly address: string;
  /** Port to bind (1813 is the IANA accounting port; 0 picks one). */
  readonly port: number;
}

/** A running accounting listener. */
export interface AccountingServer {
  /** Binds the socket; resolves to the bound address and port. */
  start(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  readonly counters: Readonly<Record<string, number>>;
}

/** Creates the UDP accounting server (RFC 2866 §3: one request datagram, one response datagram). */
export function createAccountingServer(opts: AccountingServerOptions): AccountingServer {
  const handler = createAccountingHandler(opts);
  const socket = dgram.createSocket({ type: opts.address.includes(':') ? 'udp6' : 'udp4' });
  socket.on('message', (msg, rinfo) => {
    const reply = handler.handle(msg, rinfo.address);
    if (reply !== null) socket.send(reply, rinfo.port, rinfo.address, (err) => err && handlerSendFailed(err));
  });
  const handlerSendFailed = (err: Error) => opts.logger?.warn({ err }, 'radius accounting response not sent');
  return {
    counters: handler.counters,
    start: () =>
      new Promise((resolve, reject) => {
        const onError = (err: Error) =>
          reject(
            new GatehouseError(
              'GH_ERR_RADIUS_LISTEN',
              `binding radius accounting to ${opts.address}:${opts.port}: ${err.message}`,
              [],
              { cause: err },
            ),
          );
        socket.once('error', onError);
        socket.bind(opts.port, opts.address, () => {
          socket.off('error', onError);
          socket.on('error', (err) => opts.logger?.warn({ err }, 'radius accounting socket error'));
          const a = socket.address();
          resolve({ address: a.address, port: a.port });
        });
      }),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

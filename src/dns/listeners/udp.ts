/**
 * DNS over UDP (RFC 1035 §4.2.1): one datagram in, at most one datagram back to its sender.
 * Transport only: the handler decides the answer and truncates it to `maxResponseSize`; the
 * listener derives that size from the query's EDNS OPT (RFC 6891 §6.2.5), applies response
 * rate limiting when given one, and guards the size once more before sending.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import { type AddressInfo, isIP } from 'node:net';
import type { RrlVerdict } from '../rrl.js';
import { slipResponse } from '../rrl.js';
import { CLASSIC_UDP_SIZE, DEFAULT_EDNS_SIZE, HEADER_SIZE } from '../wire/constants.js';
import { u16 } from '../wire/message.js';
import { findOpt, truncateForUdp } from '../wire/rewrite.js';
import {
  type BoundAddress,
  createWarner,
  type DnsHandler,
  familyOf,
  type Listener,
  type ListenerBase,
  type ListenerMetrics,
  NO_LOGGER,
  NO_METRICS,
  type QueryContext,
  reusePortOption,
  runHandler,
} from './contract.js';

/** Options of `createUdpListener`. */
export interface UdpListenerOptions extends ListenerBase {
  /** Largest UDP response we send (the configured EDNS buffer). Default 1232 (DNS Flag Day 2020). */
  readonly maxUdpSize?: number;
  /** Response rate limiting (only UDP is limited: TCP sources cannot be spoofed). */
  readonly rrl?: { check(address: string): RrlVerdict };
  /**
   * SO_RCVBUF / SO_SNDBUF sizes for busy servers. The receive buffer defaults to 4 MiB (the
   * kernel caps it at net.core.rmem_max): a GC pause or a policy swap at 50k queries/s queues a
   * few thousand datagrams, and the kernel's ~208 KiB default drops them (UDP RcvbufErrors).
   */
  readonly recvBufferSize?: number;
  readonly sendBufferSize?: number;
}

/**
 * The response size a UDP query allows: its EDNS UDP payload size, at least 512 (RFC 6891
 * §6.2.5) and at most `configured`; 512 without OPT (RFC 1035 §4.2.1) or when OPT is malformed.
 */
export function udpResponseLimit(query: Uint8Array, configured: number): number {
  // ARCOUNT 0: no OPT possible, skip the record walk (the common case for plain stub queries).
  if (query.length < HEADER_SIZE || u16(query, 10) === 0) return CLASSIC_UDP_SIZE;
  const opt = findOpt(query, query.length);
  if (opt === null || opt === -1) return CLASSIC_UDP_SIZE;
  const asked = Math.max(u16(query, opt.classOffset), CLASSIC_UDP_SIZE);
  return Math.max(CLASSIC_UDP_SIZE, Math.min(asked, configured));
}

/** See `UdpListenerOptions.recvBufferSize` (Unbound's documented `so-rcvbuf: 4m` for busy servers). */
export const DEFAULT_UDP_RECV_BUFFER = 4 * 1024 * 1024;

/**
 * The datagram to send for a handler's `response`, or null: the size guard behind the handler
 * and response rate limiting, shared by both UDP listeners (this one and udp-batch.ts).
 */
export function udpAnswer(
  response: Buffer | null,
  ctx: QueryContext,
  rrl: UdpListenerOptions['rrl'],
  metrics: ListenerMetrics,
): Buffer | null {
  if (response === null || response.length < HEADER_SIZE) return null;
  let out = response;
  if (out.length > ctx.maxResponseSize) {
    // The handler should have truncated; never send more than the client can take.
    // A copy: the handler's buffer may be a cached answer that must stay whole.
    metrics.onError('udp', 'oversize-response');
    out = Buffer.from(response);
    const len = truncateForUdp(out, out.length, ctx.maxResponseSize);
    if (len < 0 || len > ctx.maxResponseSize) return null;
    out = out.subarray(0, len);
  }
  const verdict = rrl?.check(ctx.clientAddress) ?? 'allow';
  if (verdict !== 'allow') {
    metrics.onError('udp', verdict === 'slip' ? 'rrl-slip' : 'rrl-drop');
    return verdict === 'slip' ? slipResponse(out) : null;
  }
  return out;
}

/** One bound UDP socket serving queries; `stop()` makes late answers go nowhere. */
class UdpEndpoint {
  readonly #opts: UdpListenerOptions;
  readonly #socket: dgram.Socket;
  readonly #metrics: ListenerMetrics;
  readonly #now: () => number;
  readonly #warn: (err: unknown, msg: string) => void;
  readonly #maxUdp: number;
  #stopped = false;

  constructor(opts: UdpListenerOptions, socket: dgram.Socket) {
    this.#opts = opts;
    this.#socket = socket;
    this.#metrics = opts.metrics ?? NO_METRICS;
    this.#now = opts.now ?? Date.now;
    this.#warn = createWarner(opts.logger ?? NO_LOGGER, 'udp', this.#now);
    this.#maxUdp = opts.maxUdpSize ?? DEFAULT_EDNS_SIZE;
    socket.on('error', (err) => {
      this.#metrics.onError('udp', 'socket');
      this.#warn(err, `udp socket on ${opts.address}: error`);
    });
    socket.on('message', (msg, rinfo) => this.#onMessage(msg, rinfo));
  }

  stop(): void {
    this.#stopped = true;
  }

  #onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    // RFC 1035 §4.1.1: without a whole header there is not even an ID to answer.
    if (msg.length < HEADER_SIZE) {
      this.#metrics.onError('udp', 'short');
      return;
    }
    this.#metrics.onQuery('udp');
    const ctx: QueryContext = {
      transport: 'udp',
      clientAddress: rinfo.address,
      clientPort: rinfo.port,
      family: familyOf(rinfo.family),
      maxResponseSize: udpResponseLimit(msg, this.#maxUdp),
      received: this.#now(),
    };
    // The hot path: a synchronous answer (policy blocks, cache hits) is sent straight away,
    // without the callback objects and closures `runHandler` needs for promises.
    let result: ReturnType<DnsHandler>;
    try {
      result = this.#opts.handler(msg, ctx);
    } catch (err) {
      this.#failed('handler', err, ctx);
      return;
    }
    if (result === null || Buffer.isBuffer(result)) {
      this.#respond(result, ctx);
      return;
    }
    runHandler(() => result, msg, ctx, {
      done: (response) => this.#respond(response, ctx),
      fail: (kind, err) => this.#failed(kind, err, ctx),
    });
  }

  #failed(kind: 'handler' | 'bad-result', err: unknown, ctx: QueryContext): void {
    this.#metrics.onError('udp', kind);
    this.#warn(err, `udp query from ${ctx.clientAddress}:${ctx.clientPort}: handler failed`);
  }

  #respond(response: Buffer | null, ctx: QueryContext): void {
    const out = udpAnswer(response, ctx, this.#opts.rrl, this.#metrics);
    // Closed meanwhile: the answer has nowhere to go. Source port 0 cannot be answered
    // (RFC 768) and would make `send` throw.
    if (out === null || this.#stopped || ctx.clientPort === 0) return;
    try {
      // No completion callback: with one, Node queues a process.nextTick per datagram even when
      // the send completed synchronously (the common case). The price: an asynchronous send
      // failure is not counted (Node reports it only to a callback); it is a UDP loss the
      // client retries, and synchronous failures still land in the catch below.
      this.#socket.send(out, ctx.clientPort, ctx.clientAddress);
    } catch {
      this.#metrics.onError('udp', 'send');
    }
  }
}

/**
 * `send(…, address)` resolves the address even when it is a literal, as every reply's is:
 * `dns.lookup` answers a literal through `process.nextTick`, one per datagram. Literals are
 * answered here at once; anything else still goes to `dns.lookup`.
 */
function literalLookup(
  address: string,
  family: number,
  cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  if (isIP(address) !== 0) cb(null, address, family);
  else dns.lookup(address, family, cb);
}

function bind(opts: UdpListenerOptions): Promise<dgram.Socket> {
  const s = dgram.createSocket({
    type: opts.address.includes(':') ? 'udp6' : 'udp4',
    lookup: literalLookup as unknown as dgram.SocketOptions['lookup'],
    ...reusePortOption(opts.reusePort),
    recvBufferSize: opts.recvBufferSize ?? DEFAULT_UDP_RECV_BUFFER,
    ...(opts.sendBufferSize ? { sendBufferSize: opts.sendBufferSize } : {}),
  });
  return new Promise((resolve, reject) => {
    s.once('error', (err) => {
      try {
        s.close();
      } catch {
        // Never bound: nothing to release.
      }
      reject(err);
    });
    const at =
      opts.socketFd === undefined ? { address: opts.address, port: opts.port } : { fd: opts.socketFd };
    s.bind(at, () => {
      s.removeAllListeners('error');
      resolve(s);
    });
  });
}

/** Builds a UDP listener on `address:port` (IPv4 or IPv6 literal). */
export function createUdpListener(opts: UdpListenerOptions): Listener {
  let current: { socket: dgram.Socket; endpoint: UdpEndpoint } | null = null;
  let closing: Promise<void> = Promise.resolve();
  return {
    transport: 'udp',
    async start(): Promise<BoundAddress> {
      if (current !== null) throw new Error('udp listener already started');
      const socket = await bind(opts);
      current = { socket, endpoint: new UdpEndpoint(opts, socket) };
      const a = socket.address() as AddressInfo;
      return { address: a.address, port: a.port, family: familyOf(a.family) };
    },
    close() {
      const c = current;
      if (c === null) return closing;
      current = null;
      c.endpoint.stop();
      closing = new Promise<void>((resolve) => c.socket.close(() => resolve()));
      return closing;
    },
  };
}

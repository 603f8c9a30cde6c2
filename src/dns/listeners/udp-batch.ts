/**
 * DNS over UDP through the native addon's batch endpoint (native/udp_batch.c): recvmmsg(2) reads
 * up to SLOTS datagrams per system call into one buffer shared with JS, the batch costs one JS
 * callback, and its synchronous answers (policy blocks, cache hits) leave in one sendmmsg(2).
 * Asynchronous answers (upstream resolution) go out singly, later. Same contract and behaviour
 * as `createUdpListener` (udp.ts), which the gateway falls back to without the addon.
 */
import { formatIPv4, formatIPv6 } from '../../core/net/address.js';
import type { NativeAddon, UdpBatchHandle } from '../../native/index.js';
import { DEFAULT_EDNS_SIZE, HEADER_SIZE } from '../wire/constants.js';
import {
  type BoundAddress,
  createWarner,
  type DnsHandler,
  type Listener,
  type ListenerMetrics,
  NO_LOGGER,
  NO_METRICS,
  type QueryContext,
  runHandler,
} from './contract.js';
import { DEFAULT_UDP_RECV_BUFFER, type UdpListenerOptions, udpAnswer, udpResponseLimit } from './udp.js';

/** Options of `createUdpBatchListener`: those of the dgram listener, and the addon to use. */
export interface UdpBatchListenerOptions extends UdpListenerOptions {
  readonly native: Pick<
    NativeAddon,
    'bindSocket' | 'closeFd' | 'udpBatchOpen' | 'udpBatchSendTo' | 'udpBatchClose'
  >;
  /** Datagrams per recvmmsg call (1..1024). Default 64. */
  readonly batchSize?: number;
}

// The shared layout, mirrored from native/udp_batch.c.
const COUNTERS = 8;
const C_SEND_ERRORS = 0;
const C_RECV_ERRORS = 2;
const RECV_STRIDE = 8;
const OUT_STRIDE = 4;
const FLAG_TRUNC = 1;
/**
 * Bytes per received datagram. A query is a header, one question (a name of at most 255 octets,
 * RFC 1035 §3.1) and an OPT record with a few options: far under this. A longer datagram comes
 * flagged MSG_TRUNC and is answered FORMERR (see `#tooLong`).
 */
const SLOT_SIZE = 4096;
/** Datagrams per recvmmsg call by default: 64 × 4 KiB slots, 256 KiB per endpoint. */
export const DEFAULT_SLOTS = 64;
/** IPv4 client texts kept (formatting a dotted quad per query costs more than a lookup). */
const NAME_CACHE = 4096;

/** Where an answer goes when it leaves outside its batch: family, port, scope, four address words. */
type Peer = [family: 4 | 6, port: number, scope: number, a0: number, a1: number, a2: number, a3: number];

/** One batch endpoint: the shared memory, the JS half of the callback, the guards of udp.ts. */
class BatchEndpoint {
  readonly #opts: UdpBatchListenerOptions;
  readonly #metrics: ListenerMetrics;
  readonly #now: () => number;
  readonly #warn: (err: unknown, msg: string) => void;
  readonly #maxUdp: number;
  readonly #slots: number;
  readonly #recv: Buffer;
  readonly #ctrl: Int32Array;
  readonly #out: Buffer;
  readonly #outMeta: number;
  readonly #names = new Map<number, string>();
  readonly #seen = [0, 0, 0];
  #handle: UdpBatchHandle | null = null;
  #batch = 0;
  #inBatch = false;
  #queued = 0;
  #outUsed = 0;
  #stopped = false;

  constructor(opts: UdpBatchListenerOptions) {
    this.#opts = opts;
    this.#metrics = opts.metrics ?? NO_METRICS;
    this.#now = opts.now ?? Date.now;
    this.#warn = createWarner(opts.logger ?? NO_LOGGER, 'udp', this.#now);
    this.#maxUdp = opts.maxUdpSize ?? DEFAULT_EDNS_SIZE;
    this.#slots = Math.max(1, Math.min(opts.batchSize ?? DEFAULT_SLOTS, 1024));
    this.#recv = Buffer.from(new ArrayBuffer(this.#slots * SLOT_SIZE));
    this.#ctrl = new Int32Array(COUNTERS + this.#slots * (RECV_STRIDE + OUT_STRIDE));
    this.#outMeta = COUNTERS + this.#slots * RECV_STRIDE;
    // Room for a whole batch of answers at the usual sizes; a larger one leaves singly.
    this.#out = Buffer.from(new ArrayBuffer(this.#slots * Math.min(Math.max(this.#maxUdp, 512), 4096)));
  }

  /** Starts reading `fd` (taken over); throws as udpBatchOpen does, leaving the fd the caller's. */
  open(fd: number): BoundAddress {
    const opened = this.#opts.native.udpBatchOpen(
      fd,
      this.#recv.buffer as ArrayBuffer,
      SLOT_SIZE,
      this.#ctrl.buffer as ArrayBuffer,
      this.#out.buffer as ArrayBuffer,
      this.#onBatch,
      this.#opts.recvBufferSize ?? DEFAULT_UDP_RECV_BUFFER,
      this.#opts.sendBufferSize ?? 0,
    );
    this.#handle = opened.handle;
    return { address: opened.address, port: opened.port, family: opened.family };
  }

  /** Closes the socket now; answers still being computed go nowhere. */
  stop(): void {
    this.#stopped = true;
    if (this.#handle !== null) this.#opts.native.udpBatchClose(this.#handle);
    this.#report();
  }

  /** The native side's callback: `count` datagrams are in; returns how many answers are queued. */
  readonly #onBatch = (count: number): number => {
    this.#report();
    this.#batch++;
    this.#inBatch = true;
    this.#queued = 0;
    this.#outUsed = 0;
    // One clock read per batch: the datagrams arrived in one system call.
    const received = this.#now();
    // Closed by a handler mid-batch: the rest of the batch is not handed over (nor answered).
    for (let i = 0; i < count && !this.#stopped; i++) this.#onDatagram(i, received);
    this.#inBatch = false;
    return this.#queued;
  };

  #onDatagram(slot: number, received: number): void {
    const m = COUNTERS + slot * RECV_STRIDE;
    const len = this.#ctrl[m];
    if ((this.#ctrl[m + 3] & FLAG_TRUNC) !== 0) {
      this.#tooLong(slot, this.#context(slot, received, HEADER_SIZE));
      return;
    }
    // RFC 1035 §4.1.1: without a whole header there is not even an ID to answer.
    if (len < HEADER_SIZE) {
      this.#metrics.onError('udp', 'short');
      return;
    }
    this.#metrics.onQuery('udp');
    // A copy: the handler may keep the query past this batch (upstream resolution), and the
    // shared buffer is overwritten by the next one. Small copies come from Node's buffer pool.
    const query = Buffer.allocUnsafe(len);
    this.#recv.copy(query, 0, slot * SLOT_SIZE, slot * SLOT_SIZE + len);
    const ctx = this.#context(slot, received, udpResponseLimit(query, this.#maxUdp));
    let result: ReturnType<DnsHandler>;
    try {
      result = this.#opts.handler(query, ctx);
    } catch (err) {
      this.#failed('handler', err, ctx);
      return;
    }
    if (result === null || Buffer.isBuffer(result)) {
      this.#respond(result, ctx, slot);
      return;
    }
    const peer = this.#peer(slot);
    const batch = this.#batch;
    runHandler(() => result, query, ctx, {
      done: (response) => this.#respond(response, ctx, batch === this.#batch && this.#inBatch ? slot : peer),
      fail: (kind, err) => this.#failed(kind, err, ctx),
    });
  }

  #context(slot: number, received: number, maxResponseSize: number): QueryContext {
    const c = this.#ctrl;
    const m = COUNTERS + slot * RECV_STRIDE;
    const family = c[m + 1] === 6 ? 6 : 4;
    return {
      transport: 'udp',
      clientAddress: family === 4 ? this.#ipv4(c[m + 4] >>> 0) : ipv6Text(c, m),
      clientPort: c[m + 2],
      family,
      // sockets.c binds IPv6 sockets IPV6_V6ONLY: an IPv4 client always arrives as family 4.
      clientV4: family === 4 ? c[m + 4] >>> 0 : -1,
      maxResponseSize,
      received,
    };
  }

  /**
   * A datagram longer than a slot (MSG_TRUNC): its end is lost, so it cannot be read. Answered
   * FORMERR from the header, which did arrive (RFC 1035 §4.1.1: "unable to interpret the query"),
   * so the client learns at once instead of retrying; never answered when it is itself a response.
   */
  #tooLong(slot: number, ctx: QueryContext): void {
    this.#metrics.onError('udp', 'oversize-query');
    const q = this.#recv.subarray(slot * SLOT_SIZE, slot * SLOT_SIZE + HEADER_SIZE);
    if ((q[2] & 0x80) !== 0) return;
    const formerr = Buffer.alloc(HEADER_SIZE);
    q.copy(formerr, 0, 0, 2);
    formerr[2] = 0x80 | (q[2] & 0x79); // QR, with the query's opcode and RD
    formerr[3] = 1; // RCODE 1 FORMERR
    this.#respond(formerr, ctx, slot);
  }

  #failed(kind: 'handler' | 'bad-result', err: unknown, ctx: QueryContext): void {
    this.#metrics.onError('udp', kind);
    this.#warn(err, `udp query from ${ctx.clientAddress}:${ctx.clientPort}: handler failed`);
  }

  /** Queues the answer in this batch (`to` a slot) or sends it now (`to` a peer, or no room). */
  #respond(response: Buffer | null, ctx: QueryContext, to: number | Peer): void {
    const out = udpAnswer(response, ctx, this.#opts.rrl, this.#metrics);
    // Closed meanwhile, or source port 0 (RFC 768: no port to answer to).
    if (out === null || this.#stopped || ctx.clientPort === 0) return;
    if (typeof to === 'number' && this.#outUsed + out.length <= this.#out.length) {
      out.copy(this.#out, this.#outUsed);
      const o = this.#outMeta + this.#queued * OUT_STRIDE;
      this.#ctrl[o] = to;
      this.#ctrl[o + 1] = this.#outUsed;
      this.#ctrl[o + 2] = out.length;
      this.#queued++;
      this.#outUsed += out.length;
      return;
    }
    const p = typeof to === 'number' ? this.#peer(to) : to;
    const handle = this.#handle;
    if (handle === null) return;
    const err = this.#opts.native.udpBatchSendTo(handle, out, p[0], p[1], p[2], p[3], p[4], p[5], p[6]);
    // EAGAIN included: a late answer never waits for the socket; the client retries.
    if (err !== 0) this.#metrics.onError('udp', 'send');
  }

  #peer(slot: number): Peer {
    const c = this.#ctrl;
    const m = COUNTERS + slot * RECV_STRIDE;
    return [c[m + 1] === 6 ? 6 : 4, c[m + 2], c[m + 3] >>> 1, c[m + 4], c[m + 5], c[m + 6], c[m + 7]];
  }

  #ipv4(v: number): string {
    let text = this.#names.get(v);
    if (text === undefined) {
      if (this.#names.size >= NAME_CACHE) this.#names.clear();
      text = formatIPv4(v);
      this.#names.set(v, text);
    }
    return text;
  }

  /** Counts what the native side counted since the last look: failed sends, receive errors. */
  #report(): void {
    const c = this.#ctrl;
    for (let n = (c[C_SEND_ERRORS] - this.#seen[C_SEND_ERRORS]) | 0; n > 0; n--)
      this.#metrics.onError('udp', 'send');
    const recvErrors = (c[C_RECV_ERRORS] - this.#seen[C_RECV_ERRORS]) | 0;
    for (let n = recvErrors; n > 0; n--) this.#metrics.onError('udp', 'socket');
    if (recvErrors > 0) this.#warn(null, `udp socket on ${this.#opts.address}: receive error`);
    this.#seen[C_SEND_ERRORS] = c[C_SEND_ERRORS];
    this.#seen[C_RECV_ERRORS] = c[C_RECV_ERRORS];
  }
}

/** RFC 5952 text of the IPv6 source in ctrl words m+4..m+7, with `%scope` for a link-local one. */
function ipv6Text(c: Int32Array, m: number): string {
  const w = [c[m + 4] >>> 0, c[m + 5] >>> 0, c[m + 6] >>> 0, c[m + 7] >>> 0];
  // IPv4-mapped (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) written as inet_ntop(3) and Node's rinfo write it.
  const text = w[0] === 0 && w[1] === 0 && w[2] === 0xffff ? `::ffff:${formatIPv4(w[3])}` : formatIPv6(w);
  const scope = c[m + 3] >>> 1;
  return scope === 0 ? text : `${text}%${scope}`;
}

/** Builds a UDP listener on the native batch endpoint (see `chooseUdpPath`). */
export function createUdpBatchListener(opts: UdpBatchListenerOptions): Listener {
  let current: BatchEndpoint | null = null;
  return {
    transport: 'udp',
    async start(): Promise<BoundAddress> {
      if (current !== null) throw new Error('udp listener already started');
      const given = opts.socketFd;
      // With the addon SO_REUSEPORT is always there (Node 20's dgram lacks it).
      const fd = given ?? opts.native.bindSocket('udp', opts.address, opts.port, opts.reusePort === true).fd;
      const endpoint = new BatchEndpoint(opts);
      try {
        const bound = endpoint.open(fd);
        current = endpoint;
        return bound;
      } catch (err) {
        if (given === undefined) opts.native.closeFd(fd);
        throw err;
      }
    },
    close() {
      current?.stop();
      current = null;
      return Promise.resolve();
    },
  };
}

/**
 * One DNS stream connection, shared by TCP (RFC 7766) and DoT (RFC 7858 §3.3, same framing):
 * two-octet length-prefixed messages (RFC 1035 §4.2.2), several queries in flight at once and
 * answers written as they complete, in any order (RFC 7766 §6.2.1.1). Reading pauses while
 * `maxInFlight` queries are pending or the socket's write buffer is full (backpressure), and
 * one lazy timer enforces the idle timeout (RFC 7766 §6.2.3), the deadline for completing a
 * started message (slowloris) and the deadline for a client that stops reading its answers.
 */
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { socketIPv4 } from '../../core/net/address.js';
import { HEADER_SIZE } from '../wire/constants.js';
import {
  type DnsHandler,
  familyOf,
  type ListenerMetrics,
  type QueryContext,
  runHandler,
} from './contract.js';

/** Limits of one stream connection. */
export interface StreamOptions {
  /** Close a connection with nothing in flight after this long (RFC 7766 §6.2.3). Default 10 s. */
  readonly idleTimeoutMs?: number;
  /** A message whose first byte arrived must be complete within this. Default 5 s. */
  readonly partialTimeoutMs?: number;
  /** Queries answered concurrently per connection; reading pauses beyond. Default 32. */
  readonly maxInFlight?: number;
  /** Largest query accepted; a larger length prefix closes the connection. Default 16 KiB. */
  readonly maxQuerySize?: number;
}

/** What a connection needs from its listener. */
export interface StreamDeps {
  readonly transport: 'tcp' | 'dot';
  readonly handler: DnsHandler;
  readonly metrics: ListenerMetrics;
  readonly warn: (err: unknown, msg: string) => void;
  readonly now: () => number;
}

const EMPTY = Buffer.alloc(0);
/** RFC 1035 §4.2.2: the length prefix is 16 bits. */
const MAX_MESSAGE = 0xffff;

/** Serves DNS on an accepted (and, for DoT, handshaken) socket until either side closes it. */
export class StreamConnection {
  readonly #socket: net.Socket;
  readonly #deps: StreamDeps;
  readonly #idleMs: number;
  readonly #partialMs: number;
  readonly #maxInFlight: number;
  readonly #maxQuery: number;
  readonly #client: Pick<QueryContext, 'clientAddress' | 'clientPort' | 'family' | 'clientV4'>;
  #pending: Buffer = EMPTY;
  #inFlight = 0;
  #draining = false;
  #readPaused = false;
  #writeBlockedSince = -1;
  #partialSince = -1;
  #lastActivity = performance.now();
  #timer: NodeJS.Timeout | null = null;
  #timerDue = Number.POSITIVE_INFINITY;
  #ended = false;
  #closed = false;

  constructor(socket: net.Socket, deps: StreamDeps, opts: StreamOptions = {}) {
    this.#socket = socket;
    this.#deps = deps;
    this.#idleMs = opts.idleTimeoutMs ?? 10_000;
    this.#partialMs = opts.partialTimeoutMs ?? 5_000;
    this.#maxInFlight = Math.max(1, opts.maxInFlight ?? 32);
    this.#maxQuery = Math.min(MAX_MESSAGE, opts.maxQuerySize ?? 16_384);
    this.#client = {
      clientAddress: socket.remoteAddress ?? '',
      clientPort: socket.remotePort ?? 0,
      family: familyOf(socket.remoteFamily),
      // Parsed once per connection: pipelined queries look their lease up by number.
      clientV4: socketIPv4(socket.remoteAddress),
    };
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => {
      this.#writeBlockedSince = -1;
      this.#flow();
    });
    // Resets and aborts are routine on the internet: counted, not logged.
    socket.on('error', () => deps.metrics.onError(deps.transport, 'socket'));
    socket.on('end', () => {
      // The client half-closed: answer what is in flight, then close our side (RFC 7766 §6.2.3).
      this.#ended = true;
      this.#maybeFinish();
    });
    socket.on('close', () => this.#onClose());
    this.#arm(performance.now());
  }

  /** Queries received and not answered yet. */
  get inFlight(): number {
    return this.#inFlight;
  }

  #onData(chunk: Buffer): void {
    this.#lastActivity = performance.now();
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#drain();
  }

  /** Dispatches every complete message in the buffer while the in-flight limit allows. */
  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    const buf = this.#pending;
    let off = 0;
    // Backpressure: while the client is not reading its answers, no new query is started.
    while (
      !this.#closed &&
      this.#inFlight < this.#maxInFlight &&
      this.#writeBlockedSince < 0 &&
      buf.length - off >= 2
    ) {
      const len = buf.readUInt16BE(off);
      // A zero length cannot frame a DNS message, and a length over the limit is refused
      // before its bytes arrive: either way the framing is lost, so the connection closes.
      if (len === 0 || len > this.#maxQuery) {
        this.#abort(len === 0 ? 'framing' : 'oversize-query');
        return;
      }
      if (buf.length - off - 2 < len) break;
      const msg = buf.subarray(off + 2, off + 2 + len);
      off += 2 + len;
      this.#dispatch(msg);
    }
    this.#pending = off === buf.length ? EMPTY : buf.subarray(off);
    this.#draining = false;
    const rest = this.#pending;
    const partial = rest.length > 0 && (rest.length < 2 || rest.length < 2 + rest.readUInt16BE(0));
    if (!partial) this.#partialSince = -1;
    else if (this.#partialSince < 0) {
      this.#partialSince = performance.now();
      this.#sooner(this.#partialSince + this.#partialMs);
    }
    this.#flow();
    this.#maybeFinish();
  }

  /** After the client half-closed: our FIN once every complete query has been answered. */
  #maybeFinish(): void {
    if (!this.#ended || this.#closed || this.#draining || this.#inFlight > 0) return;
    const rest = this.#pending;
    if (rest.length >= 2 && rest.length >= 2 + rest.readUInt16BE(0)) return; // more to answer
    this.#socket.end();
  }

  #dispatch(msg: Buffer): void {
    const { transport, metrics } = this.#deps;
    if (msg.length < HEADER_SIZE) {
      // Still framed correctly: drop this message, keep the connection.
      metrics.onError(transport, 'short');
      return;
    }
    metrics.onQuery(transport);
    this.#inFlight++;
    const ctx: QueryContext = {
      transport,
      ...this.#client,
      maxResponseSize: MAX_MESSAGE,
      received: this.#deps.now(),
    };
    runHandler(this.#deps.handler, msg, ctx, {
      done: (response) => this.#answer(response),
      fail: (kind, err) => {
        metrics.onError(transport, kind);
        this.#deps.warn(
          err,
          `${transport} query from ${ctx.clientAddress}:${ctx.clientPort}: handler failed`,
        );
        this.#answer(null);
      },
    });
  }

  /** Writes one answer as soon as it is ready (RFC 7766 §6.2.1.1: any order). */
  #answer(response: Buffer | null): void {
    this.#inFlight--;
    if (this.#closed) return;
    if (response !== null && response.length > MAX_MESSAGE) {
      this.#deps.metrics.onError(this.#deps.transport, 'oversize-response');
    } else if (response !== null && response.length >= HEADER_SIZE) {
      const out = Buffer.allocUnsafe(2 + response.length);
      out.writeUInt16BE(response.length, 0);
      response.copy(out, 2);
      if (!this.#socket.write(out) && this.#writeBlockedSince < 0) {
        this.#writeBlockedSince = performance.now();
        this.#sooner(this.#writeBlockedSince + this.#idleMs);
      }
      this.#lastActivity = performance.now();
    }
    this.#flow();
    this.#maybeFinish();
  }

  /** Pauses reading while at the in-flight limit or blocked on writes; resumes otherwise. */
  #flow(): void {
    if (this.#closed) return;
    const pause = this.#inFlight >= this.#maxInFlight || this.#writeBlockedSince >= 0;
    if (pause && !this.#readPaused) {
      this.#readPaused = true;
      this.#socket.pause();
    } else if (!pause && this.#readPaused) {
      this.#readPaused = false;
      this.#socket.resume();
      if (this.#pending.length > 0) this.#drain();
    }
  }

  /** One timer, re-armed for the nearest deadline each time it fires. */
  #arm(t: number): void {
    let due = Number.POSITIVE_INFINITY;
    if (this.#partialSince >= 0) due = Math.min(due, this.#partialSince + this.#partialMs);
    if (this.#writeBlockedSince >= 0) due = Math.min(due, this.#writeBlockedSince + this.#idleMs);
    if (this.#inFlight === 0) due = Math.min(due, this.#lastActivity + this.#idleMs);
    // Queries in flight and nothing else pending: look again after one idle period.
    const delay = Number.isFinite(due) ? Math.max(1, Math.ceil(due - t)) : this.#idleMs;
    this.#timerDue = t + delay;
    this.#timer = setTimeout(() => this.#check(), delay);
  }

  /** Brings the timer forward when a new deadline falls before it. */
  #sooner(due: number): void {
    if (this.#closed || due >= this.#timerDue) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#arm(performance.now());
  }

  #check(): void {
    this.#timer = null;
    if (this.#closed) return;
    const t = performance.now();
    const quiet = this.#inFlight === 0 && this.#partialSince < 0 && this.#writeBlockedSince < 0;
    if (this.#partialSince >= 0 && t - this.#partialSince >= this.#partialMs) this.#abort('partial-timeout');
    else if (this.#writeBlockedSince >= 0 && t - this.#writeBlockedSince >= this.#idleMs)
      this.#abort('write-timeout');
    // RFC 7766 §6.2.3: the server closes connections idle longer than its timeout.
    else if (quiet && t - this.#lastActivity >= this.#idleMs) this.#destroy();
    else this.#arm(t);
  }

  #abort(kind: 'framing' | 'oversize-query' | 'partial-timeout' | 'write-timeout'): void {
    this.#deps.metrics.onError(this.#deps.transport, kind);
    this.#destroy();
  }

  #destroy(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #onClose(): void {
    this.#closed = true;
    this.#pending = EMPTY;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

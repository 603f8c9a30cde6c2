/**
 * Relaying bytes: a `Channel` writes one direction (through the flow's throttle, if any) with
 * backpressure, and `splice` joins two sockets both ways for CONNECT tunnels and TLS.
 *
 * Bounded buffering: when the destination's buffer is full or the throttle has no tokens, the
 * source is paused (`pause()` stops reading; the kernel window then pushes back on the peer), so
 * at most one source chunk (≤ highWaterMark) waits here per direction.
 */
import type { Socket } from 'node:net';
import type { Direction, Flow, ThrottleListener } from './flow.js';
import type { ThrottleTicket } from './throttle.js';

// Up to this many bytes, a head and the body that follows it are copied into one write.
const COALESCE_BYTES = 16 * 1024;

/** Reasons to keep a socket paused; it reads again only when none is left. */
export const HOLD = { drain: 1, queue: 2, judge: 4, pipeline: 8 } as const;

/** Pauses a socket for several independent reasons. */
export class Valve {
  readonly socket: Socket;
  #holds = 0;

  constructor(socket: Socket) {
    this.socket = socket;
  }

  /** Stops reading for `reason` (a HOLD bit). */
  hold(reason: number): void {
    if (this.#holds === 0) this.socket.pause();
    this.#holds |= reason;
  }

  /** Withdraws `reason`; reading resumes when no reason is left. */
  release(reason: number): void {
    if ((this.#holds & reason) === 0) return;
    this.#holds &= ~reason;
    if (this.#holds === 0 && !this.socket.destroyed) this.socket.resume();
  }
}

/** One direction of a relay: src → dst, counted into the flow, throttled by its share. */
export class Channel implements ThrottleListener {
  readonly #src: Valve;
  readonly #dst: Socket;
  readonly #flow: Flow;
  readonly #dir: Direction;
  readonly #onThrottled: (n: number) => void;
  #queue: Buffer[] = [];
  #ticket: ThrottleTicket | null = null;
  #draining = false;
  #ending = false;
  #closed = false;
  #whenIdle: (() => void) | null = null;

  constructor(src: Valve, dst: Socket, flow: Flow, dir: Direction, onThrottled: (n: number) => void) {
    this.#src = src;
    this.#dst = dst;
    this.#flow = flow;
    this.#dir = dir;
    this.#onThrottled = onThrottled;
  }

  /** True when nothing is queued or waiting for tokens. */
  get idle(): boolean {
    return this.#queue.length === 0 && this.#ticket === null;
  }

  /** Sends `chunk` (now, or in throttled slices). */
  write(chunk: Buffer): void {
    if (this.#closed || chunk.length === 0) return;
    if (this.idle && !this.#draining && this.#flow.share(this.#dir) === null) {
      this.#send(chunk);
      return;
    }
    this.#queue.push(chunk);
    this.#src.hold(HOLD.queue);
    this.#next();
  }

  /**
   * Sends the latin1 text `head` then `b` in one socket write: copied into one buffer when small
   * (cheaper than a writev of two), else corked so the kernel still gets one writev.
   */
  writeTogether(head: string, b: Buffer): void {
    const n = head.length + b.length;
    if (n <= COALESCE_BYTES) {
      const one = Buffer.allocUnsafe(n);
      one.write(head, 0, 'latin1');
      b.copy(one, head.length);
      this.write(one);
      return;
    }
    this.#dst.cork();
    this.write(Buffer.from(head, 'latin1'));
    this.write(b);
    this.#dst.uncork();
  }

  /** Calls `fn` once nothing is queued any more (now, if nothing is). */
  flush(fn: () => void): void {
    if (this.idle) fn();
    else this.#whenIdle = fn;
  }

  /** Ends the destination once everything queued is written (half-close, RFC 9293 §3.6). */
  end(): void {
    this.#ending = true;
    if (this.idle) this.#finish();
  }

  /** Stops: drops what is queued and any waiting request for tokens. */
  close(): void {
    this.#closed = true;
    this.#ticket?.cancel();
    this.#setTicket(null);
    this.#queue = [];
    this.#src.release(HOLD.queue | HOLD.drain);
  }

  /** The flow's throttle changed: ask the new share (or none) for the rest. */
  rethrottle(): void {
    if (this.#ticket === null) return;
    this.#ticket.cancel();
    this.#setTicket(null);
    this.#next();
  }

  // Only a channel waiting for tokens needs to hear of a new throttle (any other write asks the
  // flow's share afresh), so it is registered with the flow only meanwhile: an unthrottled
  // exchange costs the flow's listener set nothing.
  #setTicket(ticket: ThrottleTicket | null): void {
    if (ticket === null) {
      if (this.#ticket !== null) this.#flow.unwatch(this);
    } else this.#flow.watch(this);
    this.#ticket = ticket;
  }

  #next(): void {
    if (this.#closed || this.#draining || this.#ticket !== null) return;
    while (this.#queue.length > 0) {
      const share = this.#flow.share(this.#dir);
      if (share !== null) {
        this.#setTicket(share.request(this.#queue[0].length, (n) => this.#granted(n)));
        return;
      }
      const chunk = this.#queue.shift() as Buffer;
      this.#send(chunk);
      if (this.#draining) return;
    }
    this.#src.release(HOLD.queue);
    if (this.#ending) this.#finish();
    const idle = this.#whenIdle;
    this.#whenIdle = null;
    idle?.();
  }

  #granted(n: number): void {
    this.#setTicket(null);
    if (this.#closed) return;
    const head = this.#queue[0];
    if (n >= head.length) this.#queue.shift();
    else this.#queue[0] = head.subarray(n);
    this.#onThrottled(n);
    this.#send(n >= head.length ? head : head.subarray(0, n));
    this.#next();
  }

  #send(piece: Buffer): void {
    if (this.#dst.destroyed) return;
    if (this.#dir === 'up') this.#flow.bytesUp += piece.length;
    else this.#flow.bytesDown += piece.length;
    if (this.#dst.write(piece)) return;
    this.#draining = true;
    this.#src.hold(HOLD.drain);
    this.#dst.once('drain', () => {
      this.#draining = false;
      // Closed meanwhile (its exchange is over; the origin socket may carry another's): close()
      // already gave back the hold, and this channel has nothing left to send.
      if (this.#closed) return;
      this.#src.release(HOLD.drain);
      this.#next();
    });
  }

  #finish(): void {
    if (!this.#dst.destroyed && this.#dst.writable) this.#dst.end();
  }
}

/** The two channels of a spliced connection. */
export interface Splice {
  readonly up: Channel;
  readonly down: Channel;
}

/**
 * Joins client and origin both ways (RFC 9110 §9.3.6: after a 2xx to CONNECT the proxy is a
 * tunnel, "until both sides close"). A half-close is passed on; the client going away destroys
 * the origin; the origin ending lets queued (throttled) bytes reach the client first.
 */
export function splice(client: Valve, origin: Socket, flow: Flow, onThrottled: (n: number) => void): Splice {
  const originValve = new Valve(origin);
  const up = new Channel(client, origin, flow, 'up', onThrottled);
  const down = new Channel(originValve, client.socket, flow, 'down', onThrottled);
  client.socket.on('data', (c: Buffer) => up.write(c));
  origin.on('data', (c: Buffer) => down.write(c));
  client.socket.on('end', () => up.end());
  origin.on('end', () => down.end());
  origin.on('close', (hadError: boolean) => {
    up.close();
    if (hadError) client.socket.destroy();
    else down.end();
  });
  client.socket.on('close', () => {
    up.close();
    down.close();
    origin.destroy();
  });
  return { up, down };
}

/**
 * Origin connections for plaintext HTTP, and the pool that keeps idle ones for the next request
 * to the same (address, port), whichever client sends it. Only `HttpSession` uses it: CONNECT
 * tunnels and TLS splices own their origin socket and never come here.
 *
 * Reuse rules (RFC 9112 §9.3): a link goes back to the pool only after an exchange whose
 * response was complete with known framing, on a connection both ends keep (the exchange decides
 * `originReusable`: never after `Connection: close`, HTTP/1.0 without keep-alive, a
 * close-delimited body, an error, bytes past the response, or a body left unread). While idle,
 * any byte, end or error from the origin destroys the link: an idle connection must be silent
 * (§9.3.1, §9.6). The pool is a stack per key (the most recently used link is taken first, so
 * the others age out), bounded per origin and in total, and swept by one unref'd timer.
 */
import type { OnReadOpts, Socket } from 'node:net';
import { Valve } from './relay.js';

// Origin sockets read into one shared buffer (net.connect `onread`): reads run one at a time on
// the event loop and each is copied out before its callback returns, so no chunk aliases it. That
// spares a 64 KiB allocation per read and the stream machinery of a 'data' event. A read this
// large is part of a bulk body: the link's next reads go into a buffer of its own, handed out
// without a copy (as Node's own reads are), for at most MAX_OWN_BUFFERS links at once (memory).
const READ_BYTES = 64 * 1024;
const READ_BUFFER = Buffer.allocUnsafe(READ_BYTES);
const BULK_BYTES = 16 * 1024;
const MAX_OWN_BUFFERS = 64;
let ownBuffers = 0;

/** Reads of an origin socket through net.connect's `onread` (Node's user-buffer reads), for its link. */
export class LinkReads {
  sink: (chunk: Buffer) => void = noop;
  #own: Buffer | null = null;
  /** The `onread` option of net.connect: Node asks `buffer()` for the next read's buffer after each read. */
  readonly onread: OnReadOpts = {
    buffer: () => this.#own ?? READ_BUFFER,
    callback: (n: number, buf: Uint8Array): boolean => {
      this.sink(this.#take(n, buf));
      // Pausing is the link's Valve's (socket.pause() stops reading on a user-buffer socket too).
      return true;
    },
  };

  /** The socket closed: its own buffer, if any, is no longer counted. */
  close(): void {
    this.#drop();
  }

  #take(n: number, buf: Uint8Array): Buffer {
    let chunk: Buffer;
    if (this.#own !== null && buf === this.#own) {
      chunk = this.#own.subarray(0, n);
      this.#drop();
    } else {
      chunk = Buffer.allocUnsafe(n);
      READ_BUFFER.copy(chunk, 0, 0, n);
    }
    if (n >= BULK_BYTES && this.#own === null && ownBuffers < MAX_OWN_BUFFERS) {
      this.#own = Buffer.allocUnsafe(READ_BYTES);
      ownBuffers++;
    }
    return chunk;
  }

  #drop(): void {
    if (this.#own === null) return;
    this.#own = null;
    ownBuffers--;
  }
}

/** A connection to one origin; an exchange installs its handlers, `idle()` takes them back. */
export class OriginLink {
  readonly socket: Socket;
  readonly valve: Valve;
  /** `address|port`: the pool key. */
  readonly key: string;
  readonly address: string;
  /** True once the link has carried an exchange (a request on it may meet a stale close). */
  reused = false;
  /** When it went idle in the pool (the pool's clock). */
  idleSince = 0;
  /** The current exchange's handlers; while idle, any event ends the link. */
  onData: (chunk: Buffer) => void;
  onEnd: () => void;
  onClose: () => void;
  #closed = false;
  #pool: OriginPool | null = null;

  /**
   * `reads`: when the socket was connected with its `onread`, else its 'data' events are read.
   * The socket has no timeout of its own: while idle the pool's sweep ages it, and while in use
   * its client connection's idle limit covers the exchange (HttpSession, LiveTable.sweep); a
   * socket timeout would be re-armed on every read and write.
   */
  constructor(socket: Socket, address: string, port: number, reads?: LinkReads) {
    this.socket = socket;
    this.valve = new Valve(socket);
    this.address = address;
    this.key = `${address}|${port}`;
    this.onData = this.#destroy;
    this.onEnd = this.#destroy;
    this.onClose = noop;
    if (reads === undefined) socket.on('data', (c: Buffer) => this.onData(c));
    else reads.sink = (c) => this.onData(c);
    socket.on('end', () => this.onEnd());
    socket.once('close', () => {
      reads?.close();
      this.#closed = true;
      this.#pool?.forget(this);
      this.onClose();
    });
  }

  get usable(): boolean {
    // A link whose origin has ended its side (FIN read) can carry nothing more.
    return !this.#closed && !this.socket.destroyed && this.socket.writable && !this.socket.readableEnded;
  }

  /** Back to idle: nothing is expected from the origin until the next request. */
  idle(): void {
    this.onData = this.#destroy;
    this.onEnd = this.#destroy;
    this.onClose = noop;
  }

  /** @internal the pool holding the link while idle, or null. */
  setPool(pool: OriginPool | null): void {
    this.#pool = pool;
  }

  readonly #destroy = (): void => {
    this.socket.destroy();
  };
}

function noop(): void {}

/** Limits of the pool. */
export interface OriginPoolOptions {
  /** Idle links kept per (address, port); 0 disables pooling. */
  readonly maxIdlePerOrigin: number;
  /** Idle links kept in all. */
  readonly maxIdle: number;
  /** An idle link older than this is closed (within a quarter of it more, at most a second). */
  readonly idleTimeoutMs: number;
  /** Milliseconds, monotonic enough for ages. */
  readonly now: () => number;
}

/** Idle origin links by `address|port`. */
export class OriginPool {
  readonly #o: OriginPoolOptions;
  readonly #idle = new Map<string, OriginLink[]>();
  #size = 0;
  #sweeper: NodeJS.Timeout | null = null;

  constructor(options: OriginPoolOptions) {
    this.#o = options;
  }

  /** Idle links held now. */
  get size(): number {
    return this.#size;
  }

  /** An idle link to `address:port`, taken out of the pool, or null. */
  take(address: string, port: number): OriginLink | null {
    if (this.#size === 0) return null;
    const stack = this.#idle.get(`${address}|${port}`);
    while (stack !== undefined && stack.length > 0) {
      const link = stack.pop() as OriginLink;
      this.#size--;
      link.setPool(null);
      if (link.usable) return link;
      link.socket.destroy();
    }
    return null;
  }

  /** Keeps `link` (idle, its exchange over) for reuse, or closes it when the pool is full. */
  put(link: OriginLink): void {
    const o = this.#o;
    let stack = this.#idle.get(link.key);
    if (!link.usable || this.#size >= o.maxIdle || (stack?.length ?? 0) >= o.maxIdlePerOrigin) {
      link.socket.destroy();
      return;
    }
    if (stack === undefined) {
      stack = [];
      this.#idle.set(link.key, stack);
    }
    link.reused = true;
    link.idleSince = o.now();
    link.setPool(this);
    stack.push(link);
    this.#size++;
    if (this.#sweeper === null) {
      const every = Math.max(50, Math.min(1000, o.idleTimeoutMs / 4));
      this.#sweeper = setInterval(() => this.#sweep(), every);
      this.#sweeper.unref();
    }
  }

  /** @internal a pooled link closed (the origin ended it, or the sweep did). */
  forget(link: OriginLink): void {
    const stack = this.#idle.get(link.key);
    const i = stack === undefined ? -1 : stack.indexOf(link);
    if (i < 0) return;
    (stack as OriginLink[]).splice(i, 1);
    this.#size--;
  }

  /** Closes every idle link and stops the sweep. */
  close(): void {
    if (this.#sweeper !== null) clearInterval(this.#sweeper);
    this.#sweeper = null;
    const all = [...this.#idle.values()].flat();
    this.#idle.clear();
    this.#size = 0;
    for (const link of all) {
      link.setPool(null);
      link.socket.destroy();
    }
  }

  // Oldest links sit at the bottom of each stack: close from there until one is young enough.
  #sweep(): void {
    const oldest = this.#o.now() - this.#o.idleTimeoutMs;
    for (const [key, stack] of this.#idle) {
      let n = 0;
      while (n < stack.length && stack[n].idleSince <= oldest) n++;
      const expired = stack.splice(0, n);
      this.#size -= n;
      for (const link of expired) {
        link.setPool(null);
        link.socket.destroy();
      }
      if (stack.length === 0) this.#idle.delete(key);
    }
    if (this.#size === 0 && this.#sweeper !== null) {
      clearInterval(this.#sweeper);
      this.#sweeper = null;
    }
  }
}

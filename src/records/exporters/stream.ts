/**
 * A stream connection to a collector (TCP or a Unix socket) that reconnects with exponential
 * backoff. Writes while disconnected reject at once (the export queue then drops and counts the
 * batch): an absent collector costs nothing but a counter, never memory or latency.
 */
import { connect, type Socket } from 'node:net';

/** Where a collector listens: a Unix socket path, or a TCP host and port. */
export type StreamTarget = { readonly path: string } | { readonly host: string; readonly port: number };

/** Settings of `createReconnectingStream`. */
export interface ReconnectingStreamOptions {
  readonly target: StreamTarget;
  /** Runs on every new connection before it carries data (e.g. the Frame Streams handshake). */
  readonly handshake?: ((socket: Socket) => Promise<void>) | undefined;
  /** First retry delay; doubles up to `maxBackoffMs` (defaults 100 ms and 30 s). */
  readonly minBackoffMs?: number | undefined;
  readonly maxBackoffMs?: number | undefined;
  /** Called with `true` when a connection is ready and `false` when it is lost. */
  readonly onState?: ((up: boolean, error?: Error) => void) | undefined;
}

/** The connection's handle. */
export interface ReconnectingStream {
  /** Increments on every established connection (a new Transport Session for IPFIX, §10.4.2). */
  readonly session: number;
  readonly connected: boolean;
  /** Writes, waiting for the socket to drain; rejects when there is no ready connection. */
  write(data: Buffer): Promise<void>;
  /** Stops reconnecting; `goodbye` may write a last message (fstrm STOP) before the socket ends. */
  close(goodbye?: (socket: Socket) => Promise<void>): Promise<void>;
}

/** Connects in the background and keeps reconnecting until closed. */
export function createReconnectingStream(o: ReconnectingStreamOptions): ReconnectingStream {
  const min = o.minBackoffMs ?? 100;
  const max = o.maxBackoffMs ?? 30_000;
  let socket: Socket | null = null;
  let ready = false;
  let closed = false;
  let session = 0;
  let backoff = min;
  let timer: NodeJS.Timeout | undefined;

  const lost = (s: Socket, error?: Error) => {
    if (socket !== s) return;
    const wasReady = ready;
    socket = null;
    ready = false;
    s.destroy();
    if (wasReady) o.onState?.(false, error);
    if (closed) return;
    timer = setTimeout(open, backoff);
    timer.unref();
    backoff = Math.min(max, backoff * 2);
  };

  function open(): void {
    if (closed) return;
    const s = 'path' in o.target ? connect(o.target.path) : connect(o.target.port, o.target.host);
    socket = s;
    s.setNoDelay?.(true);
    s.on('error', (e) => lost(s, e));
    s.on('close', () => lost(s));
    s.once('connect', () => {
      const shake = o.handshake ? o.handshake(s) : Promise.resolve();
      shake.then(
        () => {
          if (socket !== s || closed) return;
          ready = true;
          backoff = min;
          session++;
          o.onState?.(true);
        },
        (e: Error) => lost(s, e),
      );
    });
  }
  open();

  return {
    get session() {
      return session;
    },
    get connected() {
      return ready;
    },
    write(data) {
      const s = socket;
      if (!s || !ready) return Promise.reject(new Error('collector not connected'));
      return new Promise<void>((resolve, reject) => {
        const onClose = () => reject(new Error('collector connection closed'));
        s.once('close', onClose);
        const flushed = s.write(data, (e) => {
          if (e) reject(e);
        });
        const done = () => {
          s.off('close', onClose);
          resolve();
        };
        if (flushed) done();
        else s.once('drain', done);
      });
    },
    async close(goodbye) {
      closed = true;
      clearTimeout(timer);
      const s = socket;
      if (!s) return;
      if (ready && goodbye) await goodbye(s).catch(() => undefined);
      await new Promise<void>((resolve) => {
        if (s.destroyed) return resolve();
        s.once('close', () => resolve());
        s.end();
        setTimeout(() => s.destroy(), 1000).unref();
      });
    },
  };
}

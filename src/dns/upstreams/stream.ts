/**
 * DNS over TCP (RFC 7766) and over TLS (RFC 7858) to one upstream, on one reused connection.
 *
 * Messages carry a two-octet length prefix (RFC 1035 §4.2.2, RFC 7766 §8). Queries are pipelined
 * on the open connection, each under a fresh ID unique on it, and answers are matched by ID in
 * whatever order they arrive (RFC 7766 §6.2.1.1, §7). An idle connection is closed by us after
 * `idleMs` (RFC 7766 §6.2.3); if the server closes first, queries it left unanswered are sent
 * once more on a new connection.
 */

import net from 'node:net';
import tls from 'node:tls';
import { GatehouseError } from '../../core/errors.js';
import { HEADER_LENGTH, IdSource, isResponse, questionKey, readId, writeId } from './header.js';
import type { UpstreamSpec } from './spec.js';

/** TLS trust settings for DNS over TLS upstreams. */
export interface UpstreamTlsOptions {
  /** CA certificate(s) in PEM to trust instead of the system store (tests use a self-signed one). */
  readonly ca?: string | Buffer;
  /** Verify the certificate (default true). Turning this off gives up RFC 7858 privacy; tests only. */
  readonly rejectUnauthorized?: boolean;
}

/** Options of one stream transport. */
export interface StreamTransportOptions {
  /** Use TLS (RFC 7858). */
  readonly tls?: UpstreamTlsOptions | null;
  /** Close the connection after this long with nothing in flight. Default 10 s. */
  readonly idleMs?: number;
  /** Called for each answer dropped because no query waits for its ID and question. */
  readonly onIgnored?: () => void;
}

interface Pending {
  readonly key: string;
  readonly query: Buffer;
  readonly resolve: (msg: Buffer) => void;
  readonly reject: (err: Error) => void;
  conn: Conn | null;
  id: number;
  resent: boolean;
}

interface Conn {
  readonly socket: net.Socket;
  readonly pending: Map<number, Pending>;
  buffered: Buffer;
  established: boolean;
  idle: NodeJS.Timeout | undefined;
  error: string;
}

/** A TCP or TLS exchange with one upstream. `close()` destroys every connection. */
export class StreamTransport {
  readonly #spec: UpstreamSpec;
  readonly #tls: UpstreamTlsOptions | null;
  readonly #idleMs: number;
  readonly #onIgnored: () => void;
  readonly #ids = new IdSource();
  readonly #conns = new Set<Conn>();
  #current: Conn | null = null;
  #session: Buffer | undefined;
  #closed = false;

  constructor(spec: UpstreamSpec, options: StreamTransportOptions = {}) {
    this.#spec = spec;
    this.#tls = options.tls ?? null;
    this.#idleMs = options.idleMs ?? 10_000;
    this.#onIgnored = options.onIgnored ?? (() => {});
  }

  /** Queries awaiting an answer. */
  get inFlight(): number {
    let n = 0;
    for (const c of this.#conns) n += c.pending.size;
    return n;
  }

  /** Connections open now (for tests and stats). */
  get connections(): number {
    return this.#conns.size;
  }

  /** Sends `query` and resolves with the answer carrying its original ID; times out after `timeoutMs`. */
  exchange(query: Buffer, timeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
    const name = this.#name();
    if (this.#closed)
      return Promise.reject(new GatehouseError('GH_ERR_DNS_UPSTREAM_FAILED', `${name}: closed`));
    const key = questionKey(query);
    if (key === null || query.length > 0xffff) {
      return Promise.reject(
        new GatehouseError('GH_ERR_DNS_UPSTREAM_QUERY', `forwarding over ${name}: malformed query`),
      );
    }
    const originalId = readId(query);
    return new Promise<Buffer>((resolve, reject) => {
      const finish = (err: Error | null, msg?: Buffer): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#release(pending);
        if (err) {
          reject(err);
          return;
        }
        writeId(msg!, originalId);
        resolve(msg!);
      };
      const pending: Pending = {
        key,
        query,
        resolve: (m) => finish(null, m),
        reject: (e) => finish(e),
        conn: null,
        id: -1,
        resent: false,
      };
      const onAbort = (): void =>
        finish(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
      const timer = setTimeout(
        () =>
          finish(new GatehouseError('GH_ERR_DNS_UPSTREAM_TIMEOUT', `${name}: no answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#send(pending);
    });
  }

  /** Destroys every connection; queries still waiting fail. */
  close(): void {
    this.#closed = true;
    for (const conn of [...this.#conns]) {
      conn.error = 'closed';
      conn.socket.destroy();
      this.#drop(conn);
    }
  }

  #name(): string {
    return `${this.#tls ? 'tls' : 'tcp'} ${this.#spec.id}`;
  }

  /** RFC 7766 §6.2.1: reuse the open connection; pipeline under an ID unique on it. */
  #send(p: Pending): void {
    const conn = this.#current ?? this.#connect();
    const id = this.#ids.unused(conn.pending);
    if (id < 0) {
      p.reject(new GatehouseError('GH_ERR_DNS_UPSTREAM_FAILED', `${this.#name()}: too many in flight`));
      return;
    }
    p.conn = conn;
    p.id = id;
    conn.pending.set(id, p);
    clearTimeout(conn.idle);
    conn.idle = undefined;
    // RFC 7766 §8: length and message in one write, so they leave in one segment where possible.
    const frame = Buffer.allocUnsafe(2 + p.query.length);
    frame.writeUInt16BE(p.query.length, 0);
    p.query.copy(frame, 2);
    writeId(frame.subarray(2), id);
    conn.socket.write(frame);
  }

  #release(p: Pending): void {
    const conn = p.conn;
    if (!conn || conn.pending.get(p.id) !== p) return;
    conn.pending.delete(p.id);
    if (conn.pending.size === 0 && conn === this.#current && conn.idle === undefined) {
      conn.idle = setTimeout(() => this.#retire(conn), this.#idleMs);
      conn.idle.unref();
    }
  }

  #connect(): Conn {
    const { host, port, servername } = this.#spec;
    const socket = this.#tls
      ? tls.connect({
          host,
          port,
          // SNI must be a host name (RFC 6066 §3); without one the certificate is checked against the IP.
          ...(servername ? { servername } : {}),
          ...(this.#tls.ca ? { ca: this.#tls.ca } : {}),
          rejectUnauthorized: this.#tls.rejectUnauthorized ?? true,
          ...(this.#session ? { session: this.#session } : {}),
        })
      : net.connect({ host, port });
    // Pending queries hold the process through their timers; an idle connection must not.
    socket.unref();
    socket.setNoDelay(true);
    const conn: Conn = {
      socket,
      pending: new Map(),
      buffered: Buffer.alloc(0),
      established: false,
      idle: undefined,
      error: '',
    };
    socket.once(this.#tls ? 'secureConnect' : 'connect', () => {
      conn.established = true;
    });
    // RFC 7858 §3.4: resume the TLS session on the next connection.
    if (this.#tls) socket.on('session', (s: Buffer) => (this.#session = s));
    socket.on('data', (chunk: Buffer) => this.#receive(conn, chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => (conn.error = err.code ?? err.message));
    socket.on('close', () => this.#drop(conn));
    this.#conns.add(conn);
    this.#current = conn;
    return conn;
  }

  /** Splits the byte stream into length-prefixed messages and hands each to its query. */
  #receive(conn: Conn, chunk: Buffer): void {
    let buf = conn.buffered.length === 0 ? chunk : Buffer.concat([conn.buffered, chunk]);
    while (buf.length >= 2) {
      const len = buf.readUInt16BE(0);
      if (buf.length < 2 + len) break;
      // Copied so that an answer kept by the caller does not pin the whole read buffer.
      const msg = Buffer.from(buf.subarray(2, 2 + len));
      buf = buf.subarray(2 + len);
      const pending =
        msg.length >= HEADER_LENGTH && isResponse(msg) ? conn.pending.get(readId(msg)) : undefined;
      if (pending && questionKey(msg) === pending.key) pending.resolve(msg);
      else this.#onIgnored();
    }
    conn.buffered = buf;
  }

  /** Idle for too long: stop using the connection and close our side. */
  #retire(conn: Conn): void {
    if (conn.pending.size > 0) return;
    if (this.#current === conn) this.#current = null;
    conn.socket.end();
  }

  /** The connection is gone: resend (once) what a server that closed early left unanswered. */
  #drop(conn: Conn): void {
    clearTimeout(conn.idle);
    this.#conns.delete(conn);
    if (this.#current === conn) this.#current = null;
    const waiting = [...conn.pending.values()];
    conn.pending.clear();
    for (const p of waiting) {
      p.conn = null;
      if (!this.#closed && conn.established && !p.resent) {
        p.resent = true;
        this.#send(p);
      } else {
        const why = conn.error || 'connection closed';
        p.reject(new GatehouseError('GH_ERR_DNS_UPSTREAM_FAILED', `${this.#name()}: ${why}`));
      }
    }
  }
}

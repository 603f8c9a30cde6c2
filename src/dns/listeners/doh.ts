/**
 * DNS over HTTPS (RFC 8484) on one TLS port for HTTP/2 and HTTP/1.1 (`allowHTTP1`):
 * `GET /dns-query?dns=<base64url>` (§4.1) and `POST /dns-query` with an
 * `application/dns-message` body (§4.1), answered with `application/dns-message`, always a
 * `content-length`, and `cache-control: max-age` from the answer's TTLs (§5.1). Requests
 * that are not DNS get the matching HTTP status with a short text body.
 */

import http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { RCODE } from '../wire/constants.js';
import { parseQuery } from '../wire/query.js';
import { buildErrorResponse } from '../wire/response.js';
import {
  createWarner,
  familyOf,
  type Listener,
  type ListenerBase,
  type ListenerMetrics,
  NO_LOGGER,
  NO_METRICS,
  type QueryContext,
  runHandler,
} from './contract.js';
import {
  type DohRequest,
  type DohResponse,
  fromGet,
  fromPost,
  MAX_MESSAGE,
  quote,
  type Refusal,
  refuse,
  sendDns,
} from './doh-http.js';
import { IdleTracker } from './idle.js';
import { type ConnectionLimits, ConnectionTable } from './limits.js';
import { serverListener, type TrackedServer, trackConnections } from './server.js';

/** Options of `createDohListener`. */
export interface DohListenerOptions extends ListenerBase, ConnectionLimits {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** The endpoint path (RFC 8484 §3 leaves it to the server; `/dns-query` is the convention). */
  readonly path?: string;
  /** Close a connection with no request in progress after this long. Default 30 s. */
  readonly idleTimeoutMs?: number;
  /** Time allowed to receive a POST body. Default 5 s. */
  readonly bodyTimeoutMs?: number;
  /** Time allowed for the TLS handshake. Default 5 s. */
  readonly handshakeTimeoutMs?: number;
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS per connection. Default 100. */
  readonly maxConcurrentStreams?: number;
  /** A connection table shared with other listeners; default: one of this listener's own. */
  readonly limits?: ConnectionTable;
}

/** SERVFAIL for a query whose handler failed: HTTP must answer, and DNS says why. */
function servfail(query: Buffer): Buffer | null {
  const parsed = parseQuery(query);
  return parsed.ok || !parsed.drop ? buildErrorResponse(parsed, RCODE.SERVFAIL) : null;
}

const NOT_ANSWERED: Refusal = { status: 400, message: 'dns message not answered' };

/** The DoH endpoint: routes one request to the handler and writes what comes back. */
class DohEndpoint {
  readonly #opts: DohListenerOptions;
  readonly #metrics: ListenerMetrics;
  readonly #now: () => number;
  readonly #warn: (err: unknown, msg: string) => void;
  readonly #path: string;

  constructor(opts: DohListenerOptions) {
    this.#opts = opts;
    this.#metrics = opts.metrics ?? NO_METRICS;
    this.#now = opts.now ?? Date.now;
    this.#warn = createWarner(opts.logger ?? NO_LOGGER, 'doh', this.#now);
    this.#path = opts.path ?? '/dns-query';
  }

  /** Serves one request; never rejects (a failure becomes a 500). */
  handle(req: DohRequest, res: DohResponse): void {
    this.#serve(req, res).catch((err: unknown) => {
      this.#warn(err, 'doh request failed');
      try {
        refuse(req, res, { status: 500, message: 'internal error' }, this.#metrics);
      } catch {
        this.#metrics.onError('doh', 'send');
      }
    });
  }

  async #serve(req: DohRequest, res: DohResponse): Promise<void> {
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const target = qi < 0 ? url : url.slice(0, qi);
    let query: Buffer | Refusal;
    if (target !== this.#path) query = { status: 404, message: `no dns endpoint at ${quote(target)}` };
    else if (req.method === 'GET') query = fromGet(url, qi);
    else if (req.method === 'POST') query = await fromPost(req, this.#opts.bodyTimeoutMs ?? 5_000);
    else query = { status: 405, message: `method ${quote(req.method ?? '')} not allowed` };
    if (Buffer.isBuffer(query) && query.length < 12) {
      query = {
        status: 400,
        message: query.length === 0 ? 'empty dns message' : `dns message of ${query.length} bytes`,
      };
    }
    if (!Buffer.isBuffer(query)) refuse(req, res, query, this.#metrics);
    else await this.#answer(req, res, query);
  }

  #answer(req: DohRequest, res: DohResponse, query: Buffer): Promise<void> {
    this.#metrics.onQuery('doh');
    const ctx: QueryContext = {
      transport: 'doh',
      clientAddress: req.socket.remoteAddress ?? '',
      clientPort: req.socket.remotePort ?? 0,
      family: familyOf(req.socket.remoteFamily),
      maxResponseSize: MAX_MESSAGE,
      received: this.#now(),
    };
    const reply = (response: Buffer | null): void => {
      try {
        if (response === null) refuse(req, res, NOT_ANSWERED, this.#metrics);
        else if (!res.headersSent) sendDns(res, response);
      } catch {
        // The stream was reset while the query was answered: nobody is left to tell.
        this.#metrics.onError('doh', 'send');
      }
    };
    return new Promise<void>((resolve) => {
      runHandler(this.#opts.handler, query, ctx, {
        done: (response) => {
          reply(response);
          resolve();
        },
        fail: (kind, err) => {
          this.#metrics.onError('doh', kind);
          this.#warn(err, `doh query from ${ctx.clientAddress}:${ctx.clientPort}: handler failed`);
          reply(servfail(query));
          resolve();
        },
      });
    });
  }
}

/** The HTTP/2 server (HTTP/1.1 allowed), with limits, idle timeouts and the endpoint wired in. */
function buildServer(
  opts: DohListenerOptions,
  limits: ConnectionTable,
  endpoint: DohEndpoint,
): TrackedServer {
  const metrics = opts.metrics ?? NO_METRICS;
  const idle = new IdleTracker(opts.idleTimeoutMs ?? 30_000);
  const server = http2.createSecureServer({
    cert: opts.cert,
    key: opts.key,
    allowHTTP1: true,
    minVersion: 'TLSv1.2',
    handshakeTimeout: opts.handshakeTimeoutMs ?? 5_000,
    settings: { maxConcurrentStreams: opts.maxConcurrentStreams ?? 100 },
  });
  const sockets = trackConnections(server, 'doh', limits, metrics);
  server.on('tlsClientError', (_err, socket) => {
    metrics.onError('doh', 'tls');
    socket.destroy(); // Node leaves a timed-out handshake open once a listener is registered
  });
  server.on('sessionError', () => metrics.onError('doh', 'socket'));
  server.on('session', (session) => {
    idle.open(session, () => session.destroy());
    session.once('close', () => idle.closed(session));
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol === 'h2') return; // tracked as a session
    idle.open(socket, () => socket.destroy());
    socket.once('close', () => idle.closed(socket));
  });
  server.on('request', (req, res) => {
    // Idle time is counted per connection: the HTTP/2 session, or the HTTP/1.1 socket.
    const key: object = (req.httpVersionMajor === 2 ? req.stream.session : req.socket) ?? req;
    idle.begin(key);
    res.once('close', () => idle.end(key));
    req.on('error', () => {});
    endpoint.handle(req, res);
  });
  return { server, sockets };
}

/** Builds a DNS-over-HTTPS listener (RFC 8484). */
export function createDohListener(opts: DohListenerOptions): Listener {
  const limits = opts.limits ?? new ConnectionTable(opts);
  const endpoint = new DohEndpoint(opts);
  return serverListener('doh', opts, () => buildServer(opts, limits, endpoint));
}

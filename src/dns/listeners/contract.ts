/**
 * The contract between the DNS listeners (transport only) and the pipeline: one handler,
 * one query context, and the injected metrics and logger every listener reports through.
 * A listener never lets a handler failure reach a client or the process: it logs (rate
 * limited), counts, and answers nothing (UDP), keeps the connection (TCP, DoT) or answers
 * SERVFAIL (DoH, where HTTP must say something).
 */

/** The transports a query can arrive on. */
export type Transport = 'udp' | 'tcp' | 'dot' | 'doh';

/** What a listener knows about one query, handed to the pipeline with its bytes. */
export interface QueryContext {
  readonly transport: Transport;
  readonly clientAddress: string;
  readonly clientPort: number;
  readonly family: 4 | 6;
  /**
   * The IPv4 client as a u32, when the listener read it from the kernel as a number (batched UDP);
   * -1 or absent otherwise. The identity
   * stage looks the lease up by it, skipping the text round trip of `clientAddress`.
   */
  readonly clientV4?: number;
  /**
   * Largest response the transport can carry. UDP: the query's EDNS size (at least 512,
   * RFC 6891 §6.2.5) clamped to the configured buffer, or 512 without EDNS (RFC 1035 §4.2.1);
   * 65535 on stream transports and DoH. Truncating to it is the handler's job.
   */
  readonly maxResponseSize: number;
  /** When the query was received, in ms (the listener's clock, `Date.now` by default). */
  readonly received: number;
}

/** The pipeline entry point: a response to send, or null to drop. Must not throw, but may. */
export type DnsHandler = (query: Buffer, ctx: QueryContext) => Buffer | null | Promise<Buffer | null>;

/** Why a listener counted an error: a bounded set, safe as a metric label. */
export type ListenerErrorKind =
  | 'handler'
  | 'bad-result'
  | 'short'
  | 'oversize-query'
  | 'oversize-response'
  | 'framing'
  | 'send'
  | 'socket'
  | 'limit'
  | 'partial-timeout'
  | 'write-timeout'
  | 'tls'
  | 'http'
  | 'rrl-slip'
  | 'rrl-drop';

/** Counters a listener reports; the telemetry layer maps them to prom-client. */
export interface ListenerMetrics {
  /** One query handed to the handler. */
  onQuery(transport: Transport): void;
  onError(transport: Transport, kind: ListenerErrorKind): void;
  /** A connection opened (+1) or closed (-1): TCP, DoT and DoH. */
  onConnection(transport: Transport, delta: 1 | -1): void;
}

/** The slice of a pino logger the listeners use. */
export interface ListenerLogger {
  warn(obj: object, msg: string): void;
  /** Start-up facts (which UDP path runs); optional so a bare `{ warn }` still fits. */
  info?(obj: object, msg: string): void;
}

/** The address a listener is bound to once started. */
export interface BoundAddress {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** A started-on-demand listener. `close()` releases every socket and connection. */
export interface Listener {
  readonly transport: Transport;
  /** Binds (port 0 picks a free port) and resolves with the real address. */
  start(): Promise<BoundAddress>;
  close(): Promise<void>;
}

/** What every listener factory takes besides its address. */
export interface ListenerBase {
  readonly address: string;
  readonly port: number;
  readonly handler: DnsHandler;
  readonly metrics?: ListenerMetrics;
  readonly logger?: ListenerLogger;
  /** Clock for `QueryContext.received`; default `Date.now`. */
  readonly now?: () => number;
  /**
   * Share the port between processes or worker threads (SO_REUSEPORT). Passed to the socket
   * only where the runtime supports it (`reusePortSupported()`); ignored elsewhere.
   */
  readonly reusePort?: boolean;
  /**
   * An already bound socket to adopt instead of binding `address:port` (a DNS worker's share of a
   * SO_REUSEPORT group, bound by the native addon: dgram `bind({fd})`, net `listen({fd})`).
   * `address` must still name the family (a `:` means IPv6).
   */
  readonly socketFd?: number;
}

/** Metrics that count nothing: the default when none are injected. */
export const NO_METRICS: ListenerMetrics = Object.freeze({
  onQuery() {},
  onError() {},
  onConnection() {},
});

/** A logger that writes nothing: the default when none is injected. */
export const NO_LOGGER: ListenerLogger = Object.freeze({ warn() {} });

/**
 * True when `net` and `dgram` accept `reusePort` (Node ≥ 22.12 on the 22 line, ≥ 23.1).
 * On older runtimes the option is silently ignored by Node, so callers must check first.
 */
export function reusePortSupported(version: string = process.versions.node): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/** The `reusePort` socket option to pass: present only when asked for and supported. */
export function reusePortOption(asked: boolean | undefined): { reusePort?: true } {
  return asked === true && reusePortSupported() ? { reusePort: true } : {};
}

/** `4` or `6` from a Node family value (`'IPv4'`, `'IPv6'`, or a number on some versions). */
export function familyOf(family: string | number | undefined): 4 | 6 {
  return family === 'IPv6' || family === 6 ? 6 : 4;
}

/**
 * A warning logger that writes at most one line per `intervalMs` per listener, so a flood of
 * failing queries cannot flood the log; the next line carries how many were suppressed.
 */
export function createWarner(
  logger: ListenerLogger,
  transport: Transport,
  now: () => number,
  intervalMs = 1000,
): (err: unknown, msg: string) => void {
  let last = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (err, msg) => {
    const t = now();
    if (t - last < intervalMs) {
      suppressed++;
      return;
    }
    last = t;
    logger.warn({ transport, err, suppressed }, msg);
    suppressed = 0;
  };
}

/** Outcome callbacks of `runHandler`; `done` must not throw (it may run in a promise callback). */
export interface HandlerCallbacks {
  done(response: Buffer | null): void;
  fail(kind: 'handler' | 'bad-result', err: unknown): void;
}

function isThenable(v: unknown): v is PromiseLike<Buffer | null> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function settle(result: unknown, cb: HandlerCallbacks): void {
  if (result === null || Buffer.isBuffer(result)) cb.done(result);
  else if (result instanceof Uint8Array)
    cb.done(Buffer.from(result.buffer, result.byteOffset, result.length));
  else cb.fail('bad-result', new TypeError(`handler returned ${typeof result}, expected buffer or null`));
}

/**
 * Calls the handler and routes its outcome: synchronous results are settled without a
 * promise (the UDP hot path), promises through `then`. Throws and rejections go to `fail`.
 */
export function runHandler(
  handler: DnsHandler,
  query: Buffer,
  ctx: QueryContext,
  cb: HandlerCallbacks,
): void {
  let result: unknown;
  try {
    result = handler(query, ctx);
  } catch (err) {
    cb.fail('handler', err);
    return;
  }
  if (isThenable(result))
    result.then(
      (r) => settle(r, cb),
      (err: unknown) => cb.fail('handler', err),
    );
  else settle(result, cb);
}

/**
 * The proxy's contract with the composition root: what it is given (`ProxyDeps`) and what it
 * returns (`Proxy`). Everything is injected; the proxy imports no store, control plane or
 * metrics library (DESIGN §4).
 */
import type { AddressInfo } from 'node:net';
import type { Action, Decision } from '../core/decision.js';
import type { Identity } from '../identity/cidr-map.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { FlowRecord } from '../records/types.js';
import type { RedirectReader } from './original-destination.js';

/** The three kinds of listener. */
export type ListenerKind = 'explicit' | 'transparent-http' | 'transparent-tls';

/** Bounded labels for `ProxyMetrics.error`: never a name or an address. */
export type ProxyErrorKind =
  | 'head-timeout'
  | 'head-invalid'
  | 'hello-timeout'
  | 'not-tls'
  | 'no-sni'
  | 'over-limit'
  | 'lookup-failed'
  | 'connect-failed'
  | 'origin-timeout'
  | 'origin-failed'
  | 'client-failed'
  | 'internal';

/** The connection verdicts counted: a decision's action, or refused before one was made. */
export type ConnectionVerdict = Action | 'refused';

/** Metrics the proxy reports; the root adapts them to prom-client. Labels are all bounded. */
export interface ProxyMetrics {
  /** One per connection, at its end. */
  connections(listener: ListenerKind, verdict: ConnectionVerdict): void;
  /** Bytes relayed, reported once per connection at its end. */
  bytes(direction: 'up' | 'down', n: number): void;
  /** Bytes that passed through a throttle. */
  throttledBytes(n: number): void;
  /** Open connections, +1 on accept and -1 on close. */
  active(listener: ListenerKind, delta: 1 | -1): void;
  error(listener: ListenerKind, kind: ProxyErrorKind): void;
}

/** A pino-like logger (object first, message second). */
export interface ProxyLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What the gateway's DNS pipeline answers for a name: its addresses and its own decision. */
export interface LookupResult {
  readonly addresses: string[];
  /** A `block` decision means the name is blocked at DNS: the proxy blocks too. */
  readonly decision: Decision;
}

/** Limits and addresses of the proxy. */
export interface ProxySettings {
  /** Base of notice links, e.g. `https://gatehouse.example`: notices live at `{operatorUrl}/notices/{id}`. */
  readonly operatorUrl: string;
  /** Time allowed for a request head or a ClientHello (slowloris) → 408 or close. */
  readonly headerTimeoutMs: number;
  /** Largest request head or ClientHello → 431 or close. */
  readonly maxHeaderBytes: number;
  readonly maxConnectionsPerSource: number;
  /** A connection with no traffic either way for this long is closed; also the wait for a response head (→ 504). */
  readonly idleTimeoutMs: number;
  /** Domestic destinations (see destination-class.ts). */
  readonly domesticPrefixes: readonly string[];
  /** Time allowed to connect to an origin → 504. */
  readonly connectTimeoutMs: number;
  /**
   * Origin ports of the transparent listeners (default 80 and 443) for connections that were not
   * redirected, or when the original destination cannot be read (no native addon): the origin is
   * then the Host/SNI name resolved through `lookup()`, on these ports. A redirected connection
   * goes to its original destination (SO_ORIGINAL_DST). Tests point them at their local origins.
   */
  readonly transparentPorts?: { readonly http?: number; readonly tls?: number };
  /** received-by in Via (RFC 9110 §7.6.3); default `gatehouse`. */
  readonly via?: string;
  /** Idle plaintext-HTTP origin connections kept for reuse (see origin-pool.ts). */
  readonly originPool?: OriginPoolSettings;
}

/** Limits of the origin keep-alive pool; every field has a default. */
export interface OriginPoolSettings {
  /** Idle connections kept per (origin address, port); default 128; 0 turns pooling off. */
  readonly maxIdlePerOrigin?: number;
  /** Idle connections kept in all; default 4096. */
  readonly maxIdle?: number;
  /** An idle connection is closed after this long (default 4 s, at most idleTimeoutMs). */
  readonly idleTimeoutMs?: number;
}

/** Everything the proxy needs, injected by the composition root. */
export interface ProxyDeps {
  /** The current policy snapshot, read once per request. */
  policy(): CompiledPolicy;
  identity(address: string): Identity;
  /** The gateway's own DNS pipeline (same policy). */
  lookup(name: string, identity: Identity): Promise<LookupResult>;
  /** Called once per connection, at its close. */
  record(flow: FlowRecord): void;
  metrics: ProxyMetrics;
  logger: ProxyLogger;
  settings: ProxySettings;
  /**
   * Reads a transparent connection's original destination (default: the native addon's
   * SO_ORIGINAL_DST, see original-destination.ts); null turns it off (Host/SNI routing only).
   */
  redirects?: RedirectReader | null;
  /** Epoch milliseconds; default Date.now. */
  now?: () => number;
}

/** A live connection as the console sees it. */
export interface LiveConnection {
  readonly id: number;
  readonly listener: ListenerKind;
  readonly start: number;
  readonly clientAddress: string;
  readonly isp: string;
  readonly subscriber: string | null;
  readonly destinationName: string | null;
  readonly destinationAddress: string | null;
  readonly port: number;
  readonly verdict: Action;
  readonly orderId: number;
  readonly throttled: boolean;
  readonly bytesUp: number;
  readonly bytesDown: number;
}

/** A running proxy. */
export interface ProxyServer {
  /** Starts a listener (IPv4 or IPv6 host; port 0 picks one). */
  listen(kind: ListenerKind, host: string, port: number): Promise<AddressInfo>;
  connections(): LiveConnection[];
  /** Ends the live connections whose current decision cites `orderId`; returns how many. */
  end(filter: { readonly orderId: number }): number;
  /** A new snapshot: re-evaluates every live connection and ends those a block now matches. */
  onPolicy(policy: CompiledPolicy): void;
  /** Stops the listeners and destroys every connection. */
  close(): Promise<void>;
}

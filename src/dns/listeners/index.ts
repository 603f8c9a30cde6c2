/**
 * The DNS listeners (transport only) and `createListeners`, which builds every configured
 * one from `ADDR:PORT` lists: UDP, TCP (the UDP addresses unless given), DoT and DoH. The
 * stream listeners share one connection table, so the per-source limit spans them all.
 */
import { GatehouseError } from '../../core/errors.js';
import { type NativeAddon, nativeAddon, nativeUnavailable } from '../../native/index.js';
import type { RrlVerdict } from '../rrl.js';
import { type ListenAt, type ListenSpec, parseListen } from './address.js';
import type {
  BoundAddress,
  DnsHandler,
  Listener,
  ListenerLogger,
  ListenerMetrics,
  Transport,
} from './contract.js';
import { createDohListener } from './doh.js';
import { createDotListener } from './dot.js';
import { type ConnectionLimits, ConnectionTable } from './limits.js';
import type { StreamOptions } from './stream.js';
import { createTcpListener } from './tcp.js';
import { createUdpListener } from './udp.js';
import { createUdpBatchListener } from './udp-batch.js';
import { chooseUdpPath } from './udp-path.js';

export type { ListenSpec } from './address.js';
export { parseListen } from './address.js';
export * from './contract.js';
export { createDohListener, type DohListenerOptions } from './doh.js';
export { decodeDnsParam, responseMaxAge } from './doh-message.js';
export { createDotListener, type DotListenerOptions } from './dot.js';
export { type ConnectionLimits, ConnectionTable } from './limits.js';
export type { StreamOptions } from './stream.js';
export { createTcpListener, type StreamListenerOptions } from './tcp.js';
export { createUdpListener, type UdpListenerOptions, udpResponseLimit } from './udp.js';
export { createUdpBatchListener, type UdpBatchListenerOptions } from './udp-batch.js';
export { chooseUdpPath, hasUdpBatch } from './udp-path.js';

/** Which listeners to run, and their transport settings. */
export interface ListenersConfig {
  readonly udp: readonly ListenSpec[];
  /** TCP addresses; default: the UDP ones (RFC 7766 §5: TCP must be served wherever UDP is). */
  readonly tcp?: readonly ListenSpec[];
  readonly dot: readonly ListenSpec[];
  readonly doh: readonly ListenSpec[];
  /** Largest UDP response (the configured EDNS buffer). Default 1232. */
  readonly maxUdpSize?: number;
  /** TCP and DoT connection limits and timeouts; DoH shares the connection limits. */
  readonly stream?: StreamOptions & ConnectionLimits;
  /** DoH idle timeout. Default 30 s. */
  readonly dohIdleTimeoutMs?: number;
  /** Certificate and key (PEM) for DoT and DoH; required when either list is not empty. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** SO_REUSEPORT on every socket, where the runtime supports it (`reusePortSupported()`). */
  readonly reusePort?: boolean;
  /** UDP through the native addon's recvmmsg/sendmmsg batches when it is built (udp-batch.ts). Default true. */
  readonly udpBatch?: boolean;
  /**
   * Bound sockets to adopt, parallel to `udp` and `tcp` (`ListenerBase.socketFd`): a DNS worker's
   * share of each SO_REUSEPORT group (dns/workers/).
   */
  readonly socketFds?: { readonly udp: readonly number[]; readonly tcp: readonly number[] };
}

/** Injected collaborators of `createListeners`. */
export interface ListenersDeps {
  readonly metrics?: ListenerMetrics;
  readonly logger?: ListenerLogger;
  readonly now?: () => number;
  /** Response rate limiting for UDP (see `createRrl`). */
  readonly rrl?: { check(address: string): RrlVerdict };
  /** The native addon; default `nativeAddon()`, null runs UDP on Node's dgram. */
  readonly native?: NativeAddon | null;
}

/** A started listener: its transport and where it is bound. */
export interface BoundListener extends BoundAddress {
  readonly transport: Transport;
}

/** Every configured listener, started and closed together. */
export interface ListenerSet {
  readonly listeners: readonly Listener[];
  /** Starts all; if one fails to bind, closes the started ones and throws `GH_ERR_DNS_LISTEN`. */
  start(): Promise<BoundListener[]>;
  close(): Promise<void>;
}

/** Builds the listeners of `config` around one handler; nothing binds until `start()`. */
export function createListeners(
  config: ListenersConfig,
  handler: DnsHandler,
  deps: ListenersDeps = {},
): ListenerSet {
  const { rrl, native, ...shared } = deps;
  const common = { handler, ...shared, reusePort: config.reusePort };
  const limits = new ConnectionTable(config.stream);
  const stream = { ...common, ...config.stream, limits };
  if (config.dot.length + config.doh.length > 0 && config.tls === undefined) {
    throw new GatehouseError(
      'GH_ERR_DNS_LISTEN_CONFIG',
      'dot and doh listeners need a certificate and key: none given',
    );
  }
  const tls = { cert: config.tls?.cert ?? '', key: config.tls?.key ?? '' };
  const build = (specs: readonly ListenSpec[], make: (a: ListenAt, i: number) => Listener) =>
    specs.map((spec, i) => ({ where: parseListen(spec), listener: make(parseListen(spec), i) }));
  const fd = (list: readonly number[] | undefined, i: number) =>
    list?.[i] === undefined ? {} : { socketFd: list[i] };
  const udpPath = chooseUdpPath(
    config.udpBatch,
    native === undefined ? nativeAddon() : native,
    native === undefined ? nativeUnavailable() : 'not given',
  );
  if (config.udp.length > 0) deps.logger?.info?.({ transport: 'udp' }, `dns udp: ${udpPath.why}`);
  const entries = [
    ...build(config.udp, (a, i) => {
      const udp = {
        ...common,
        ...at(a),
        ...fd(config.socketFds?.udp, i),
        rrl,
        maxUdpSize: config.maxUdpSize,
      };
      const batch = udpPath.native;
      return batch === null ? createUdpListener(udp) : createUdpBatchListener({ ...udp, native: batch });
    }),
    ...build(config.tcp ?? config.udp, (a, i) =>
      createTcpListener({ ...stream, ...at(a), ...fd(config.socketFds?.tcp, i) }),
    ),
    ...build(config.dot, (a) => createDotListener({ ...stream, ...tls, ...at(a) })),
    ...build(config.doh, (a) =>
      createDohListener({ ...common, ...tls, ...at(a), limits, idleTimeoutMs: config.dohIdleTimeoutMs }),
    ),
  ];
  const listeners = entries.map((e) => e.listener);
  return {
    listeners,
    async start() {
      const bound: BoundListener[] = [];
      for (const { listener, where } of entries) {
        try {
          bound.push({ transport: listener.transport, ...(await listener.start()) });
        } catch (err) {
          await Promise.all(listeners.map((x) => x.close()));
          const text = JSON.stringify(formatAt(where));
          const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
          throw new GatehouseError(
            'GH_ERR_DNS_LISTEN',
            `starting ${listener.transport} listener on ${text}: ${why}`,
            [],
            {
              cause: err,
            },
          );
        }
      }
      return bound;
    },
    async close() {
      await Promise.all(listeners.map((l) => l.close()));
    },
  };
}

function at(a: ListenAt): { address: string; port: number } {
  return { address: a.host, port: a.port };
}

function formatAt(a: ListenAt): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

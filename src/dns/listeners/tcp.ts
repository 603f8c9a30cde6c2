/**
 * DNS over TCP (RFC 1035 §4.2.2, RFC 7766): the listener around `StreamConnection`, with
 * connection limits in total and per source address. `createStreamListener` is shared with
 * DoT, which differs only in the server it wraps and the event that hands over a connection.
 */
import net from 'node:net';
import { createWarner, type Listener, type ListenerBase, NO_LOGGER, NO_METRICS } from './contract.js';
import { type ConnectionLimits, ConnectionTable } from './limits.js';
import { serverListener, trackConnections } from './server.js';
import { StreamConnection, type StreamDeps, type StreamOptions } from './stream.js';

/** Options of `createTcpListener` (and, with TLS material, `createDotListener`). */
export interface StreamListenerOptions extends ListenerBase, StreamOptions, ConnectionLimits {
  /** A connection table shared with other listeners; default: one of this listener's own. */
  readonly limits?: ConnectionTable;
}

/**
 * Builds a stream listener on the server `makeServer` returns: connections are admitted and
 * tracked on `connection`, and served once `acceptEvent` hands over the socket to speak DNS on.
 */
export function createStreamListener(
  transport: 'tcp' | 'dot',
  opts: StreamListenerOptions,
  makeServer: () => net.Server,
  acceptEvent: 'connection' | 'secureConnection',
): Listener {
  const metrics = opts.metrics ?? NO_METRICS;
  const now = opts.now ?? Date.now;
  const limits = opts.limits ?? new ConnectionTable(opts);
  const deps: StreamDeps = {
    transport,
    handler: opts.handler,
    metrics,
    warn: createWarner(opts.logger ?? NO_LOGGER, transport, now),
    now,
  };
  return serverListener(transport, opts, () => {
    const server = makeServer();
    const sockets = trackConnections(server, transport, limits, metrics);
    server.on(acceptEvent, (socket: net.Socket) => {
      if (socket.destroyed) return;
      socket.setNoDelay(true);
      new StreamConnection(socket, deps, opts);
    });
    return { server, sockets };
  });
}

/** Builds a DNS-over-TCP listener (RFC 7766). */
export function createTcpListener(opts: StreamListenerOptions): Listener {
  // allowHalfOpen: a client may half-close after its last query and still read the answers.
  return createStreamListener('tcp', opts, () => net.createServer({ allowHalfOpen: true }), 'connection');
}

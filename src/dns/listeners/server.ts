/**
 * What the connection-oriented listeners (TCP, DoT, DoH) share: binding a `net.Server` with
 * optional SO_REUSEPORT, admitting raw connections against the connection limits before any
 * TLS work is done, tracking them, and closing the server with every connection it holds.
 */
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  type BoundAddress,
  familyOf,
  type Listener,
  type ListenerMetrics,
  reusePortOption,
  type Transport,
} from './contract.js';
import type { ConnectionTable } from './limits.js';

/** Binds `server` and resolves with the bound address (port 0 → the port the OS chose). */
export function listenServer(
  server: net.Server,
  address: string,
  port: number,
  reusePort: boolean | undefined,
  socketFd?: number,
): Promise<BoundAddress> {
  return new Promise<BoundAddress>((resolve, reject) => {
    server.once('error', reject);
    // An fd given (a worker's SO_REUSEPORT socket) is adopted as bound; Node calls listen() on it.
    const at =
      socketFd === undefined ? { host: address, port, ...reusePortOption(reusePort) } : { fd: socketFd };
    server.listen(at, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      resolve({ address: a.address, port: a.port, family: familyOf(a.family) });
    });
  });
}

/** Stops accepting, destroys every tracked connection, and resolves once the server has closed. */
export function closeServer(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) {
      for (const s of sockets) s.destroy();
      resolve();
      return;
    }
    // `close` waits for open connections, so destroy them right after asking.
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
  });
}

/**
 * Admits raw connections (`connection` event, before any TLS handshake) against `limits`,
 * counts them, and tracks them in the returned set so `closeServer` can destroy them.
 * Refused connections are destroyed at once and counted as `limit`.
 */
export function trackConnections(
  server: net.Server,
  transport: Transport,
  limits: ConnectionTable,
  metrics: ListenerMetrics,
): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  // Prepended, so a refused connection is dropped before TLS (if any) spends work on it.
  server.prependListener('connection', (socket: net.Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined || !limits.tryAdd(address)) {
      metrics.onError(transport, 'limit');
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    sockets.add(socket);
    metrics.onConnection(transport, 1);
    // TLS and HTTP layers own the socket's errors; this keeps a late one from being unhandled.
    socket.on('error', () => {});
    socket.once('close', () => {
      sockets.delete(socket);
      limits.remove(address);
      metrics.onConnection(transport, -1);
    });
  });
  return sockets;
}

/** A server built for one run of a listener, with the connections it tracks. */
export interface TrackedServer {
  readonly server: net.Server;
  readonly sockets: Set<net.Socket>;
}

/**
 * The `Listener` lifecycle around a connection-oriented server: `start` builds a fresh server
 * with `make` and binds it; `close` stops it and destroys its connections. Both are idempotent.
 */
export function serverListener(
  transport: Transport,
  at: {
    readonly address: string;
    readonly port: number;
    readonly reusePort?: boolean;
    readonly socketFd?: number;
  },
  make: () => TrackedServer,
): Listener {
  let current: TrackedServer | null = null;
  return {
    transport,
    async start() {
      if (current !== null) throw new Error(`${transport} listener already started`);
      const built = make();
      current = built;
      try {
        return await listenServer(built.server, at.address, at.port, at.reusePort, at.socketFd);
      } catch (err) {
        current = null;
        throw err;
      }
    },
    async close() {
      const c = current;
      current = null;
      if (c !== null) await closeServer(c.server, c.sockets);
    },
  };
}

/**
 * A TCP listener that knows its sockets: `close()` stops accepting and destroys every
 * connection it accepted, so no socket outlives the proxy.
 */
import net from 'node:net';
import { GatehouseError } from '../../core/errors.js';

/** A listening server and how to stop it. */
export interface ListeningServer {
  readonly address: net.AddressInfo;
  /** Open connections accepted here. */
  readonly sockets: ReadonlySet<net.Socket>;
  close(): Promise<void>;
}

/** Listens on `host:port` (IPv4 or IPv6; port 0 picks one) and hands each connection to `serve`. */
export async function listenTcp(
  host: string,
  port: number,
  serve: (socket: net.Socket) => void,
): Promise<ListeningServer> {
  const sockets = new Set<net.Socket>();
  // allowHalfOpen: a client that half-closes after its request still reads the response.
  const server = net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: false });
  // One function for every socket (`this` is the socket), not a closure per connection.
  const forget = function (this: net.Socket) {
    sockets.delete(this);
  };
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', forget);
    serve(socket);
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) =>
      reject(
        new GatehouseError(
          'GH_ERR_PROXY_LISTEN',
          `listening on "${host}" port ${port}: ${err.code ?? err.message}`,
          [],
          {
            cause: err,
          },
        ),
      );
    server.once('error', fail);
    server.listen({ host, port, ipv6Only: host.includes(':') }, () => {
      server.off('error', fail);
      resolve();
    });
  });
  // Errors after listen (EMFILE on accept) are the server's, never the process's.
  server.on('error', () => {});
  return {
    address: server.address() as net.AddressInfo,
    sockets,
    async close() {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      // Each socket's own close handlers (flow records, live table) run before this resolves.
      const gone = [...sockets].map(
        (s) =>
          new Promise<void>((resolve) => {
            s.once('close', () => resolve());
            s.destroy();
          }),
      );
      await Promise.all([closing, ...gone]);
    },
  };
}

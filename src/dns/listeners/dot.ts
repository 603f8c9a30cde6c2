/**
 * DNS over TLS (RFC 7858): the TCP framing and limits of `tcp.ts` on a TLS server. ALPN
 * `dot` (RFC 7858 §3.1 port 853; IANA ALPN id "dot", RFC 9461 §2); the handshake must
 * finish within the partial-message timeout, and the idle timeout applies after it
 * (RFC 7858 §3.4 refers to RFC 7766 §6.2.3 for connection reuse and closing).
 */
import tls from 'node:tls';
import type { Listener } from './contract.js';
import { createStreamListener, type StreamListenerOptions } from './tcp.js';

/** Options of `createDotListener`: the stream options plus the certificate. */
export interface DotListenerOptions extends StreamListenerOptions {
  /** PEM certificate chain. */
  readonly cert: string | Buffer;
  /** PEM private key. */
  readonly key: string | Buffer;
  /** Time allowed for the TLS handshake. Default: `partialTimeoutMs` (5 s). */
  readonly handshakeTimeoutMs?: number;
}

/** Builds a DNS-over-TLS listener (RFC 7858). */
export function createDotListener(opts: DotListenerOptions): Listener {
  const metrics = opts.metrics;
  const makeServer = () => {
    const server = tls.createServer({
      cert: opts.cert,
      key: opts.key,
      ALPNProtocols: ['dot'],
      minVersion: 'TLSv1.2',
      handshakeTimeout: opts.handshakeTimeoutMs ?? opts.partialTimeoutMs ?? 5_000,
      allowHalfOpen: true,
    });
    // Failed handshakes (scanners, wrong ALPN, timeouts) are counted. With a listener
    // registered, Node leaves a timed-out handshake's socket open: close it here.
    server.on('tlsClientError', (_err, socket) => {
      metrics?.onError('dot', 'tls');
      socket.destroy();
    });
    return server;
  };
  return createStreamListener('dot', opts, makeServer, 'secureConnection');
}

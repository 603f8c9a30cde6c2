/**
 * Where a redirected connection was going. A transparent listener receives connections that an
 * nftables `redirect`/`dnat` (or iptables REDIRECT/DNAT) rule rewrote; the kernel keeps the
 * destination the client asked for in the connection's conntrack entry, readable with
 * getsockopt SO_ORIGINAL_DST (IPv4) / IP6T_SO_ORIGINAL_DST (IPv6). Node 20 has no API for it, so
 * it comes from the native addon (native/sockets.c); without the addon the transparent listeners
 * take the destination from the Host header or the SNI, as they always did.
 */
import type { Socket } from 'node:net';
import { nativeAddon, nativeUnavailable } from '../native/index.js';

/** The original destination of a redirected connection. */
export interface Redirect {
  readonly address: string;
  readonly port: number;
}

/** Reads a just-accepted socket's original destination; null when it was not redirected. */
export type RedirectReader = (socket: Socket) => Redirect | null;

/**
 * The file descriptor of an accepted TCP socket, or null. Node has no public API for it: the
 * socket's `_handle` is libuv's TCPWrap, whose `fd` is the descriptor on Linux (-1 on Windows),
 * and `_handle` is null once the socket is closed. Kept to this one function so that the
 * undocumented access has one place to change.
 */
export function socketFd(socket: Socket): number | null {
  const handle = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle;
  const fd = handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

/** The addon's reader, or null and why not (for the one log line at start). */
export function nativeRedirectReader(): { readonly read: RedirectReader | null; readonly why: string } {
  const addon = nativeAddon();
  if (addon === null) return { read: null, why: nativeUnavailable() };
  // An addon built before originalDestination existed (a stale build/ folder).
  if (typeof addon.originalDestination !== 'function') {
    return { read: null, why: 'the built addon lacks originalDestination (rebuild: npm run install)' };
  }
  const read: RedirectReader = (socket) => {
    const fd = socketFd(socket);
    if (fd === null) return null;
    let original: Redirect | null;
    try {
      original = addon.originalDestination(fd);
    } catch {
      // EBADF/ENOTCONN on a socket the client already reset: nothing to route anyway.
      return null;
    }
    // A tracked connection that no rule rewrote answers the listener's own address and port:
    // the client connected to the listener itself (e.g. curl --connect-to), not redirected.
    if (
      original === null ||
      (original.address === socket.localAddress && original.port === socket.localPort)
    ) {
      return null;
    }
    return { address: original.address, port: original.port };
  };
  return { read, why: '' };
}

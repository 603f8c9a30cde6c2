/**
 * Transparent HTTP: redirected port-80 traffic, origin-form requests. A connection that an
 * nftables/iptables redirect sent here goes to its original destination (SO_ORIGINAL_DST through
 * the native addon; original-destination.ts), its Host judged but not resolved. Without the
 * addon, or for a connection made to this port directly, the Host name is resolved through the
 * gateway's lookup, on `transparentPorts.http`.
 */
import type { Socket } from 'node:net';
import { admit, type ProxyContext } from '../connection.js';
import { HttpSession } from '../http-session.js';
import { refuseHttp } from './explicit.js';

/** Serves one connection accepted on a transparent HTTP listener. */
export function serveTransparentHttp(ctx: ProxyContext, socket: Socket): void {
  const flow = admit(ctx, 'transparent-http', socket, refuseHttp);
  if (flow === null) return;
  flow.redirect = ctx.redirects?.(socket) ?? null;
  new HttpSession(ctx, socket, flow, false);
}

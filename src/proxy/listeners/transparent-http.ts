/**
 * Transparent HTTP: redirected port-80 traffic, origin-form requests routed by Host.
 * Production takes the origin from SO_ORIGINAL_DST or TPROXY (a native addon Node lacks); until
 * then the Host name is resolved through the gateway's lookup, on `transparentPorts.http`.
 */
import type { Socket } from 'node:net';
import { admit, type ProxyContext } from '../connection.js';
import { HttpSession } from '../http-session.js';
import { refuseHttp } from './explicit.js';

/** Serves one connection accepted on a transparent HTTP listener. */
export function serveTransparentHttp(ctx: ProxyContext, socket: Socket): void {
  const flow = admit(ctx, 'transparent-http', socket, refuseHttp);
  if (flow !== null) new HttpSession(ctx, socket, flow, false);
}

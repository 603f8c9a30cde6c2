/** The explicit forward proxy listener: HTTP/1.1 absolute-form requests and CONNECT. */
import type { Socket } from 'node:net';
import { admit, finish, type ProxyContext } from '../connection.js';
import { HttpSession } from '../http-session.js';
import { errorResponse } from '../respond.js';

/** Answers an HTTP client over its per-source limit (RFC 9110 §15.6.4: 503, try later). */
export function refuseHttp(socket: Socket): void {
  finish(socket, errorResponse(503, 'too many open connections from your address; close some and try again'));
}

/** Serves one connection accepted on an explicit proxy listener. */
export function serveExplicit(ctx: ProxyContext, socket: Socket): void {
  const flow = admit(ctx, 'explicit', socket, refuseHttp);
  if (flow !== null) new HttpSession(ctx, socket, flow, true);
}

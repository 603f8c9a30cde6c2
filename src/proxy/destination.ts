/**
 * Where a request or a TLS hello goes, and the judgement on it. A transparent connection that a
 * netfilter rule redirected goes where the client sent it: its original destination
 * (SO_ORIGINAL_DST, see original-destination.ts), with no lookup of the Host or SNI name, which
 * is still judged and recorded. Every other connection goes to the name or address it carries,
 * on the explicit request's port or the transparent listener's configured origin port.
 */
import { judgeContext, type ProxyContext } from './connection.js';
import { type Judgement, judge, judgeRedirected } from './decide.js';
import type { Flow } from './flow.js';

/** What the client named: a Host (name or address literal) or an SNI. */
export interface Target {
  /** The Host or SNI; null for a ClientHello without a server name. */
  readonly host: string | null;
  readonly hostIsName: boolean;
  /** `http://host[:port]/path` for plaintext HTTP, else null. */
  readonly url: string | null;
  /** The origin port when the connection was not redirected. */
  readonly port: number;
}

/** The judgement and the port to dial. */
export interface Routed {
  readonly judgement: Judgement;
  readonly port: number;
}

/**
 * Judges `target` for `flow` and sets `flow.port`. null when there is nothing to route by: not
 * redirected and no name (a hello without SNI).
 */
export async function judgeTarget(ctx: ProxyContext, flow: Flow, target: Target): Promise<Routed | null> {
  const redirect = flow.redirect;
  if (redirect !== null) {
    flow.port = redirect.port;
    const domain = target.hostIsName ? target.host : null;
    const judgement = judgeRedirected(judgeContext(ctx, flow), domain, target.url, redirect.address);
    return { judgement, port: redirect.port };
  }
  flow.port = target.port;
  if (target.host === null) return null;
  const judgement = await judge(judgeContext(ctx, flow), target.host, target.hostIsName, target.url);
  return { judgement, port: target.port };
}

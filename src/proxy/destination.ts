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
import type { RequestHead } from './http-head.js';
import type { JudgementMemo, MemoKey } from './judgement-memo.js';

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
export async function judgeTarget(
  ctx: ProxyContext,
  flow: Flow,
  target: Target,
  memo?: { readonly memo: JudgementMemo; readonly key: MemoKey },
): Promise<Routed | null> {
  const redirect = flow.redirect;
  if (redirect !== null) {
    flow.port = redirect.port;
    const domain = target.hostIsName ? target.host : null;
    const judgement = judgeRedirected(judgeContext(ctx, flow), domain, target.url, redirect.address);
    return { judgement, port: redirect.port };
  }
  flow.port = target.port;
  if (target.host === null) return null;
  const jc = judgeContext(ctx, flow);
  const lookedUp = memo?.memo.now() ?? 0;
  const judgement = await judge(jc, target.host, target.hostIsName, target.url);
  memo?.memo.set(jc.policy, flow.identity, jc.time, lookedUp, memo.key, judgement);
  return { judgement, port: target.port };
}

/**
 * Judges a plaintext request's destination (its Host and URL; the explicit proxy dials the
 * request's port, a transparent listener its configured one): at once, with no promise, when
 * the proxy's memo holds the judgement (judgement-memo.ts), else through `judgeTarget`.
 */
export function judgeRequest(
  ctx: ProxyContext,
  flow: Flow,
  head: RequestHead,
  explicit: boolean,
  memo: JudgementMemo,
): Routed | Promise<Routed | null> {
  const hostIsName = head.hostKind === 'name';
  flow.destinationName = hostIsName ? head.host : null;
  const url = head.path === '*' ? null : `http://${head.authority}${head.path}`;
  const port = explicit ? head.port : ctx.ports.http;
  const target = { host: head.host, hostIsName, url, port };
  const key = { authority: head.authority, port, url };
  return memoised(ctx, flow, target, memo, key) ?? judgeTarget(ctx, flow, target, { memo, key });
}

// The memoised judgement for `target`, or null; sets `flow.port` as judgeTarget does.
function memoised(
  ctx: ProxyContext,
  flow: Flow,
  target: Target,
  memo: JudgementMemo,
  key: MemoKey,
): Routed | null {
  if (flow.redirect !== null || target.host === null) return null;
  const judgement = memo.get(ctx.deps.policy(), flow.identity, ctx.now(), key);
  if (judgement === null) return null;
  flow.port = target.port;
  return { judgement, port: target.port };
}

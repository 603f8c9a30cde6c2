/**
 * CONNECT (RFC 9110 §9.3.6): judge the authority, then either disclose a block with the same
 * 451 a plaintext request gets, or answer 200 and splice the bytes both ways untouched.
 */
import { blockedFor, finish, judgeContext, type ProxyContext, reportError } from './connection.js';
import { judge } from './decide.js';
import { dial } from './dial.js';
import type { Flow } from './flow.js';
import type { RequestHead } from './http-head.js';
import { HOLD, splice, type Valve } from './relay.js';
import { CONNECT_ESTABLISHED, errorResponse } from './respond.js';
import type { ProxyErrorKind } from './types.js';

function refuse(
  ctx: ProxyContext,
  flow: Flow,
  client: Valve,
  status: number,
  why: string,
  kind: ProxyErrorKind,
) {
  reportError(ctx, flow, kind, why);
  const bytes = errorResponse(status, why);
  flow.bytesDown += bytes.length;
  finish(client.socket, bytes, flow);
}

/** Serves a CONNECT whose head was read; `rest` is what the client sent after it. */
export async function openTunnel(
  ctx: ProxyContext,
  flow: Flow,
  client: Valve,
  head: RequestHead,
  rest: Buffer,
): Promise<void> {
  flow.recordListener = 'connect';
  flow.destinationName = head.hostKind === 'name' ? head.host : null;
  flow.port = head.port;
  const j = await judge(judgeContext(ctx, flow), head.host, head.hostKind === 'name', null);
  if (client.socket.destroyed) return;
  flow.facts = j.facts;
  flow.destinationAddress = j.facts.address;
  flow.setDecision(j.decision);
  if (j.decision.action === 'block') {
    // The tunnel is refused with the disclosure itself: a 451 as the answer to CONNECT.
    const bytes = blockedFor(ctx, head, j.decision, true);
    flow.bytesDown += bytes.length;
    finish(client.socket, bytes, flow);
    return;
  }
  if (j.unresolved)
    return refuse(ctx, flow, client, 502, `the name "${head.host}" could not be resolved`, 'lookup-failed');
  const r = await dial(j.addresses, head.port, ctx.deps.settings.connectTimeoutMs);
  if (!r.ok) {
    const why = `connecting to "${head.authority}" failed: ${r.message}`;
    return refuse(
      ctx,
      flow,
      client,
      r.timeout ? 504 : 502,
      why,
      r.timeout ? 'origin-timeout' : 'connect-failed',
    );
  }
  if (client.socket.destroyed) {
    r.socket.destroy();
    return;
  }
  flow.destinationAddress = r.address;
  flow.terminate = () => {
    r.socket.destroy();
    client.socket.destroy();
  };
  r.socket.setTimeout(ctx.deps.settings.idleTimeoutMs, () => r.socket.destroy());
  client.socket.write(CONNECT_ESTABLISHED);
  const tunnel = splice(client, r.socket, flow, (n) => ctx.deps.metrics.throttledBytes(n));
  if (rest.length > 0) tunnel.up.write(rest);
  client.release(HOLD.judge | HOLD.pipeline);
}

/**
 * Transparent TLS: read the ClientHello without terminating TLS (DESIGN §1.3), judge the SNI
 * and the destination, then either answer a fatal access_denied alert (RFC 8446 §6.2: the one
 * honest refusal TLS allows without a certificate) or replay the buffered bytes to the origin
 * untouched and splice.
 *
 * Destination: a connection that an nftables/iptables redirect sent here goes to its original
 * destination (SO_ORIGINAL_DST through the native addon; original-destination.ts), its SNI judged
 * but not resolved, and a hello without SNI is judged on the address alone. Without the addon, or
 * for a connection made to this port directly, the origin is the SNI name resolved through the
 * gateway's lookup, on `transparentPorts.tls`.
 * ECH: the hello is judged on its outer (public) SNI and the destination; the record says so.
 */
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { admit, finish, type ProxyContext, reportError } from '../connection.js';
import { judgeTarget } from '../destination.js';
import { dial } from '../dial.js';
import type { Flow } from '../flow.js';
import { HeadDeadline } from '../head-deadline.js';
import { HOLD, splice, Valve } from '../relay.js';
import { type ClientHelloInfo, ClientHelloReader } from '../sni.js';
import { accessDeniedAlert, internalErrorAlert, unrecognizedNameAlert } from '../tls-alert.js';

/** Serves one connection accepted on a transparent TLS listener. */
export function serveTransparentTls(ctx: ProxyContext, socket: Socket): void {
  // Over the per-source limit: close (no TLS alert can be meaningful before the hello).
  const flow = admit(ctx, 'transparent-tls', socket, (s) => s.destroy());
  if (flow === null) return;
  flow.redirect = ctx.redirects?.(socket) ?? null;
  const valve = new Valve(socket);
  const reader = new ClientHelloReader({ maxHelloBytes: ctx.deps.settings.maxHeaderBytes });
  const chunks: Buffer[] = [];
  const ms = ctx.deps.settings.headerTimeoutMs;
  // Checked by the live table's sweep (head-deadline.ts), no timer of its own.
  const deadline = new HeadDeadline(ms, () => {
    reportError(ctx, flow, 'hello-timeout', `no complete tls client hello within ${ms} ms`);
    socket.destroy();
  });
  flow.deadline = deadline;
  deadline.arm();
  flow.terminate = () => socket.destroy();
  const onData = (chunk: Buffer) => {
    chunks.push(chunk);
    flow.bytesUp += chunk.length;
    const r = reader.push(chunk);
    if (r.state === 'need-more') return;
    deadline.stop();
    socket.off('data', onData);
    valve.hold(HOLD.judge);
    if (r.state !== 'done') {
      // Not TLS (or broken TLS) on the TLS port: close, nothing to answer it with.
      reportError(ctx, flow, 'not-tls', `refused tls client hello: ${r.reason}`);
      socket.destroy();
      return;
    }
    route(ctx, flow, valve, r, Buffer.concat(chunks)).catch((err: Error) => {
      reportError(ctx, flow, 'internal', `routing tls: ${err.message}`);
      socket.destroy();
    });
  };
  socket.on('data', onData);
}

async function route(ctx: ProxyContext, flow: Flow, client: Valve, hello: ClientHelloInfo, bytes: Buffer) {
  const socket = client.socket;
  flow.ech = hello.ech;
  flow.destinationName = hello.sni;
  const routed = await judgeTarget(ctx, flow, {
    host: hello.sni,
    hostIsName: true,
    url: null,
    port: ctx.ports.tls,
  });
  if (routed === null) {
    // Not redirected and no name: nothing to route by (see the header).
    reportError(ctx, flow, 'no-sni', 'tls client hello without a server name');
    finish(socket, unrecognizedNameAlert(hello.recordVersion), flow);
    return;
  }
  const { judgement: j, port } = routed;
  if (socket.destroyed) return;
  flow.facts = j.facts;
  flow.destinationAddress = j.facts.address;
  flow.setDecision(j.decision);
  if (j.decision.action === 'block') {
    finish(socket, accessDeniedAlert(hello.recordVersion), flow);
    return;
  }
  const r = j.unresolved ? null : await dial(j.addresses, port, ctx.deps.settings.connectTimeoutMs);
  if (r === null || !r.ok) {
    const why =
      r === null ? `the name "${hello.sni}" could not be resolved` : `connecting failed: ${r.message}`;
    reportError(
      ctx,
      flow,
      r === null ? 'lookup-failed' : r.timeout ? 'origin-timeout' : 'connect-failed',
      why,
    );
    finish(socket, internalErrorAlert(hello.recordVersion), flow);
    return;
  }
  if (socket.destroyed) {
    r.socket.destroy();
    return;
  }
  flow.destinationAddress = r.address;
  flow.terminate = () => {
    r.socket.destroy();
    socket.destroy();
  };
  r.socket.setTimeout(ctx.deps.settings.idleTimeoutMs, () => r.socket.destroy());
  // The hello goes out exactly as it came in: every buffered chunk, in order.
  r.socket.write(bytes);
  splice(client, r.socket, flow, (n) => ctx.deps.metrics.throttledBytes(n));
  client.release(HOLD.judge);
}

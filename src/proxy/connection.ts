/**
 * What every listener shares: the proxy context, admitting a connection (per-source limit,
 * identity, the live table, metrics) and writing its one flow record when it closes.
 */
import type { Socket } from 'node:net';
import type { Decision } from '../core/decision.js';
import type { JudgeContext } from './decide.js';
import type { DestinationClassifier } from './destination-class.js';
import { Flow } from './flow.js';
import { sweepClock } from './head-deadline.js';
import type { RequestHead } from './http-head.js';
import type { JudgementMemo } from './judgement-memo.js';
import { LINGER_MS, type LiveTable } from './live.js';
import type { OriginPool } from './origin-pool.js';
import type { RedirectReader } from './original-destination.js';
import { blockedResponse, orderOf, wantsJson } from './respond.js';
import type { ThrottleRegistry } from './throttle.js';
import type { ListenerKind, ProxyDeps, ProxyErrorKind } from './types.js';

/** The proxy's shared state, built once by `createProxy`. */
export interface ProxyContext {
  readonly deps: ProxyDeps;
  readonly now: () => number;
  readonly live: LiveTable;
  readonly throttles: ThrottleRegistry;
  /** Recent reusable judgements of plaintext requests, shared by every client connection. */
  readonly judgements: JudgementMemo;
  /** Idle plaintext-HTTP origin connections, shared by every client connection. */
  readonly pool: OriginPool;
  readonly via: string;
  /** Origin ports of the transparent listeners (see ProxySettings.transparentPorts). */
  readonly ports: { readonly http: number; readonly tls: number };
  /** Classes destination addresses by `settings.domesticPrefixes`, built once. */
  readonly classifier: DestinationClassifier;
  /** Reads a transparent connection's original destination; null without the native addon. */
  readonly redirects: RedirectReader | null;
}

/** The judge's inputs for a flow, read at the moment of judging. */
export function judgeContext(ctx: ProxyContext, flow: Flow): JudgeContext {
  return {
    policy: ctx.deps.policy(),
    identity: flow.identity,
    time: ctx.now(),
    lookup: ctx.deps.lookup,
    classOf: ctx.classifier.classOf,
  };
}

/** RFC 7725 §3: the 451 for a blocked request, naming the order in a blocked-by link, its notice as the body. */
export function blockedFor(ctx: ProxyContext, head: RequestHead, decision: Decision, close: boolean): Buffer {
  const order = orderOf(ctx.deps.policy(), decision);
  const accept = head.headers.find(([n]) => n === 'accept')?.[1];
  return blockedResponse(order, decision.orderId, ctx.deps.settings.operatorUrl, wantsJson(accept), close);
}

/** Counts and logs one failure; the message is for operators, the label for metrics. */
export function reportError(ctx: ProxyContext, flow: Flow, kind: ProxyErrorKind, message: string): void {
  ctx.deps.metrics.error(flow.listener, kind);
  const level = kind === 'internal' ? 'error' : 'info';
  ctx.deps.logger[level]({ flow: flow.id, listener: flow.listener, kind }, message);
}

/**
 * Ends `socket` after `bytes` are written (RFC 9112 §9.6: half-close, then let the client close
 * its side); destroys it if the peer has not closed within LINGER_MS. With its `flow`, the live
 * table's sweep keeps that limit; without one (a refused connection), a timer of its own does.
 */
export function finish(socket: Socket, bytes?: Buffer, flow?: Flow): void {
  if (socket.destroyed) return;
  if (bytes !== undefined && socket.writable) socket.end(bytes);
  else socket.end();
  if (flow !== undefined) {
    if (flow.finishedAt === 0) flow.finishedAt = sweepClock();
    return;
  }
  // Cleared at close (the usual case, well within the second): a closed socket is not kept
  // reachable for a second by its timer.
  const timer = setTimeout(destroyLater, LINGER_MS, socket).unref();
  socket.once('close', () => clearTimeout(timer));
}

function ignore(): void {}

function destroyLater(socket: Socket): void {
  socket.destroy();
}

/**
 * Admits a new client connection: a flow when it may proceed, or null after `refuse` answered
 * it (more than maxConnectionsPerSource open from its address).
 */
export function admit(
  ctx: ProxyContext,
  kind: ListenerKind,
  socket: Socket,
  refuse: (socket: Socket) => void,
): Flow | null {
  const { metrics } = ctx.deps;
  // A client error is its connection's end, never the process's.
  socket.on('error', ignore);
  const address = socket.remoteAddress ?? '';
  if (socket.destroyed || address === '') {
    socket.destroy();
    return null;
  }
  if (!ctx.live.admit(address)) {
    metrics.error(kind, 'over-limit');
    metrics.connections(kind, 'refused');
    refuse(socket);
    return null;
  }
  const flow = new Flow(kind, address, ctx.deps.identity(address), ctx.now(), ctx.throttles);
  ctx.live.add(flow);
  metrics.active(kind, 1);
  flow.client = socket;
  flow.terminate = () => socket.destroy();
  // No socket.setTimeout: the live table's sweep finds idle connections (LiveTable.sweep).
  socket.once('close', () => {
    ctx.live.remove(flow);
    ctx.live.leave(address);
    flow.detach();
    metrics.active(kind, -1);
    metrics.connections(kind, flow.verdict.action);
    metrics.bytes('up', flow.bytesUp);
    metrics.bytes('down', flow.bytesDown);
    try {
      ctx.deps.record(flow.toRecord(ctx.now()));
    } catch (err) {
      reportError(ctx, flow, 'internal', `recording flow: ${(err as Error).message}`);
    }
  });
  return flow;
}

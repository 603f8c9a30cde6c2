/**
 * A client connection speaking HTTP/1.1 to the proxy (explicit or transparent): read a head
 * within the time and size limits, judge its destination, then disclose a block (451), tunnel a
 * CONNECT, or forward the exchange and go round again while both sides keep the connection.
 */
import type { Socket } from 'node:net';
import { openTunnel } from './connect.js';
import { blockedFor, finish, type ProxyContext, reportError } from './connection.js';
import { judgeTarget } from './destination.js';
import { dialLink } from './dial.js';
import type { Flow } from './flow.js';
import { type Forwarded, mayRetry, refusal, requestFraming } from './forward-rules.js';
import { HeadDeadline } from './head-deadline.js';
import { Exchange, type ExchangeResult } from './http-exchange.js';
import { formatOriginHead, type RequestHead, RequestHeadReader } from './http-head.js';
import type { OriginLink } from './origin-pool.js';
import { HOLD, Valve } from './relay.js';
import { errorResponse } from './respond.js';
import type { ProxyErrorKind } from './types.js';

type Phase = 'head' | 'busy' | 'body' | 'wait' | 'tunnel' | 'closed';

// Bytes a client may send while its request is being judged before reading is paused.
const JUDGE_BUFFER = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/** Serves one client connection on an HTTP listener. */
export class HttpSession {
  readonly #ctx: ProxyContext;
  readonly #client: Socket;
  readonly #valve: Valve;
  readonly #flow: Flow;
  readonly #explicit: boolean;
  #phase: Phase = 'head';
  #reader: RequestHeadReader;
  readonly #deadline: HeadDeadline;
  #origin: OriginLink | null = null;
  #exchange: Exchange | null = null;
  #forwarded: Forwarded | null = null;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #clientEnded = false;
  readonly #onData = (chunk: Buffer) => this.#data(chunk);

  constructor(ctx: ProxyContext, client: Socket, flow: Flow, explicit: boolean) {
    this.#ctx = ctx;
    this.#client = client;
    this.#valve = new Valve(client);
    this.#flow = flow;
    this.#explicit = explicit;
    this.#reader = this.#newReader();
    flow.terminate = () => this.#destroy();
    // While an exchange runs its own timers decide (504, origin idle); otherwise idle means close.
    flow.onIdle = () => {
      if (this.#exchange === null && this.#phase !== 'busy') this.#destroy();
    };
    client.on('data', this.#onData);
    client.on('end', () => this.#ended());
    client.once('close', () => this.#destroy());
    // RFC 9110 §15.5.9: 408 when a head does not arrive in time (slowloris); between kept-alive
    // requests the deadline waits for the next head's first byte (idle connections just close).
    const ms = ctx.deps.settings.headerTimeoutMs;
    this.#deadline = new HeadDeadline(ms, () => {
      if (this.#phase === 'head')
        this.#fail(408, `the request head did not arrive within ${ms} ms`, 'head-timeout');
    });
    this.#deadline.arm();
  }

  // A method, not a field read: TypeScript would keep a narrowing across an await.
  #isClosed(): boolean {
    return this.#phase === 'closed';
  }

  #newReader(): RequestHeadReader {
    return new RequestHeadReader({ maxHeadBytes: this.#ctx.deps.settings.maxHeaderBytes });
  }

  #data(chunk: Buffer): void {
    switch (this.#phase) {
      case 'head':
        this.#head(chunk);
        return;
      case 'body': {
        const exchange = this.#exchange as Exchange;
        const rest = exchange.requestData(chunk);
        if (!exchange.readingBody && this.#phase === 'body') this.#phase = 'wait';
        if (rest !== null) this.#data(rest);
        return;
      }
      case 'busy':
        // Being judged: these bytes are body or the next request. Reading is paused only once
        // they pile up (pausing and resuming for every request costs more than it saves).
        this.#pending.push(chunk);
        this.#pendingBytes += chunk.length;
        if (this.#pendingBytes > JUDGE_BUFFER) this.#valve.hold(HOLD.judge);
        return;
      case 'wait':
        // A pipelined request waits, unread, until the current response is complete.
        this.#pending.push(chunk);
        this.#valve.hold(HOLD.pipeline);
        return;
    }
  }

  #head(chunk: Buffer): void {
    if (!this.#deadline.armed) this.#deadline.arm();
    const r = this.#reader.push(chunk);
    if (r.state === 'need-more') return;
    this.#deadline.disarm();
    if (r.state === 'error') {
      this.#fail(r.status, `refused request head: ${r.reason}`, 'head-invalid');
      return;
    }
    this.#phase = 'busy';
    this.#handle(r.head, Buffer.from(r.rest)).catch((err: Error) => {
      reportError(this.#ctx, this.#flow, 'internal', `serving a request: ${err.message}`);
      this.#destroy();
    });
  }

  async #handle(head: RequestHead, rest: Buffer): Promise<void> {
    const refused = refusal(head, this.#explicit);
    if (refused !== null) return this.#fail(400, refused, 'head-invalid');
    if (head.method === 'CONNECT') {
      this.#phase = 'tunnel';
      // Held until the tunnel listens: with no 'data' listener a flowing socket drops bytes.
      this.#valve.hold(HOLD.judge);
      this.#client.off('data', this.#onData);
      return openTunnel(this.#ctx, this.#flow, this.#valve, head, rest);
    }
    const flow = this.#flow;
    const hostIsName = head.hostKind === 'name';
    flow.destinationName = hostIsName ? head.host : null;
    const url = head.path === '*' ? null : `http://${head.authority}${head.path}`;
    const named = this.#explicit ? head.port : this.#ctx.ports.http;
    const routed = await judgeTarget(this.#ctx, flow, { host: head.host, hostIsName, url, port: named });
    if (this.#isClosed() || routed === null) return;
    const { judgement: j, port } = routed;
    flow.facts = j.facts;
    flow.destinationAddress = j.facts.address;
    flow.setDecision(j.decision);
    if (j.decision.action === 'block') return this.#block(head);
    if (j.unresolved)
      return this.#fail(502, `the name "${head.host}" could not be resolved`, 'lookup-failed');
    this.#forwarded = { head, addresses: j.addresses, port, bytesUpBefore: flow.bytesUp, retried: false };
    // An idle pooled connection to the judged (first) address, else a new one.
    const pooled = this.#ctx.pool.take(j.addresses[0], port);
    const link = pooled ?? (await this.#dial(j.addresses, port));
    if (link === null || this.#isClosed()) return;
    this.#origin = link;
    flow.destinationAddress = link.address;
    this.#forward(head, rest, link);
  }

  #block(head: RequestHead): void {
    // A request body would have to be read and thrown away: close instead.
    const close = !head.keepAlive || head.body !== 'none' || this.#clientEnded;
    const bytes = blockedFor(this.#ctx, head, this.#flow.decision, close);
    this.#flow.bytesDown += bytes.length;
    if (close) {
      this.#phase = 'closed';
      finish(this.#client, bytes);
      return;
    }
    this.#client.write(bytes);
    this.#next();
  }

  async #dial(addresses: readonly string[], port: number): Promise<OriginLink | null> {
    const { connectTimeoutMs, idleTimeoutMs } = this.#ctx.deps.settings;
    const r = await dialLink(addresses, port, connectTimeoutMs, idleTimeoutMs);
    if (!('socket' in r)) {
      this.#fail(r.status, r.message, r.kind);
      return null;
    }
    if (this.#isClosed()) r.socket.destroy();
    return this.#isClosed() ? null : r;
  }

  #forward(head: RequestHead, rest: Buffer, link: OriginLink): void {
    const exchange = new Exchange({
      client: this.#valve,
      link,
      flow: this.#flow,
      method: head.method,
      requestBody: requestFraming(head),
      clientKeepAlive: head.keepAlive && !this.#clientEnded,
      via: this.#ctx.via,
      responseTimeoutMs: this.#ctx.deps.settings.idleTimeoutMs,
      onThrottled: (n) => this.#ctx.deps.metrics.throttledBytes(n),
      done: (r) => this.#exchanged(r),
      failed: (status, message, unanswered) => this.#exchangeFailed(status, message, unanswered),
    });
    this.#exchange = exchange;
    this.#phase = exchange.readingBody ? 'body' : 'wait';
    // Corked: the head and the body bytes already in hand leave in one write.
    link.socket.cork();
    exchange.start(formatOriginHead(head, { via: this.#ctx.via }));
    const pending = rest.length > 0 ? [rest, ...this.#pending] : this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const chunk of pending) this.#data(chunk);
    link.socket.uncork();
    this.#valve.release(HOLD.judge);
  }

  #exchanged(r: ExchangeResult): void {
    this.#exchange = null;
    this.#forwarded = null;
    const link = this.#origin;
    this.#origin = null;
    // RFC 9112 §9.3: only a complete exchange on a connection both ends keep is reused.
    if (link !== null) {
      if (r.originReusable) this.#ctx.pool.put(link);
      else link.socket.destroy();
    }
    if (r.clientClose || this.#clientEnded) {
      this.#phase = 'closed';
      finish(this.#client);
      return;
    }
    this.#next();
  }

  #exchangeFailed(status: 502 | 504 | null, message: string, unanswered: boolean): void {
    this.#exchange = null;
    const reused = this.#origin?.reused === true;
    this.#origin = null;
    const f = this.#forwarded;
    // A reused connection closed before any answer: retried once on a new one (see mayRetry).
    if (f !== null && mayRetry(f, status, unanswered, reused) && !this.#isClosed()) {
      f.retried = true;
      this.#phase = 'busy';
      this.#retry(f).catch((err: Error) => {
        reportError(this.#ctx, this.#flow, 'internal', `retrying a request: ${err.message}`);
        this.#destroy();
      });
      return;
    }
    this.#forwarded = null;
    const kind: ProxyErrorKind = status === 504 ? 'origin-timeout' : 'origin-failed';
    if (status !== null) this.#fail(status, message, kind);
    else {
      reportError(this.#ctx, this.#flow, kind, message);
      this.#destroy();
    }
  }

  async #retry(f: Forwarded): Promise<void> {
    const link = await this.#dial(f.addresses, f.port);
    if (link === null || this.#isClosed()) return;
    this.#origin = link;
    this.#flow.destinationAddress = link.address;
    // The record counts what the subscriber sent: the head that died unanswered is not counted twice.
    this.#flow.bytesUp = f.bytesUpBefore;
    this.#forward(f.head, EMPTY, link);
  }

  // Ready for the next request on this connection (RFC 9112 §9.3 persistence).
  #next(): void {
    this.#phase = 'head';
    this.#reader = this.#newReader();
    this.#valve.release(HOLD.judge | HOLD.pipeline);
    const pending = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const chunk of pending) this.#data(chunk);
  }

  #ended(): void {
    this.#clientEnded = true;
    // Half-closed between requests: nothing more will come, so close (an exchange closes at its end).
    if (this.#phase === 'head') {
      this.#phase = 'closed';
      this.#deadline.stop();
      finish(this.#client);
    }
  }

  #fail(status: number, message: string, kind: ProxyErrorKind): void {
    if (this.#phase === 'closed') return;
    reportError(this.#ctx, this.#flow, kind, message);
    this.#phase = 'closed';
    this.#deadline.stop();
    this.#exchange?.abort();
    this.#origin?.socket.destroy();
    const bytes = errorResponse(status, message);
    this.#flow.bytesDown += bytes.length;
    finish(this.#client, bytes);
  }

  #destroy(): void {
    this.#phase = 'closed';
    this.#deadline.stop();
    this.#exchange?.abort();
    this.#exchange = null;
    this.#origin?.socket.destroy();
    this.#origin = null;
    this.#client.destroy();
  }
}

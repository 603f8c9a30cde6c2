/**
 * A client connection speaking HTTP/1.1 to the proxy (explicit or transparent): read a head
 * within the time and size limits, judge its destination, then disclose a block (451), tunnel a
 * CONNECT, or forward the exchange and go round again while both sides keep the connection.
 */
import type { Socket } from 'node:net';
import { openTunnel } from './connect.js';
import { blockedFor, finish, type ProxyContext, reportError } from './connection.js';
import { judgeRequest, type Routed } from './destination.js';
import { dialLink } from './dial.js';
import type { Flow } from './flow.js';
import { type Forwarded, mayRetry, refusal, requestFraming } from './forward-rules.js';
import { HeadDeadline } from './head-deadline.js';
import { HeldBytes } from './held-bytes.js';
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
  // One reader per connection, reset for each head.
  readonly #reader: RequestHeadReader;
  readonly #deadline: HeadDeadline;
  #origin: OriginLink | null = null;
  #exchange: Exchange | null = null;
  #forwarded: Forwarded | null = null;
  readonly #held = new HeldBytes();
  #clientEnded = false;
  readonly #onData = (chunk: Buffer) => this.#data(chunk);

  constructor(ctx: ProxyContext, client: Socket, flow: Flow, explicit: boolean) {
    this.#ctx = ctx;
    this.#client = client;
    this.#valve = new Valve(client);
    this.#flow = flow;
    this.#explicit = explicit;
    this.#reader = new RequestHeadReader({ maxHeadBytes: ctx.deps.settings.maxHeaderBytes });
    flow.terminate = () => this.#destroy();
    // Nothing moved either way for idleTimeoutMs (LiveTable.sweep): an exchange awaiting its
    // response head answers 504, any other exchange or an idle connection closes. While being
    // judged (a lookup, a dial) the lookup's and connectTimeoutMs's own limits decide.
    flow.onIdle = () => {
      if (this.#exchange !== null) this.#exchange.idle();
      else if (this.#phase !== 'busy') this.#destroy();
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
    flow.deadline = this.#deadline;
    this.#deadline.arm();
  }

  // A method, not a field read: TypeScript would keep a narrowing across an await.
  #isClosed(): boolean {
    return this.#phase === 'closed';
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
        if (this.#held.push(chunk) > JUDGE_BUFFER) this.#valve.hold(HOLD.judge);
        return;
      case 'wait':
        // A pipelined request waits, unread, until the current response is complete.
        this.#held.push(chunk);
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
    // A view, not a copy: the chunk a socket read into is never reused.
    const rest = r.rest.length === 0 ? EMPTY : Buffer.from(r.rest.buffer, r.rest.byteOffset, r.rest.length);
    try {
      this.#handle(r.head, rest);
    } catch (err) {
      this.#internal(err as Error);
    }
  }

  // Synchronous as far as it can be: a memoised judgement and a pooled origin link make no promise.
  #handle(head: RequestHead, rest: Buffer): void {
    const refused = refusal(head, this.#explicit);
    if (refused !== null) {
      this.#fail(400, refused, 'head-invalid');
    } else if (head.method === 'CONNECT') {
      this.#phase = 'tunnel';
      // Held until the tunnel listens: with no 'data' listener a flowing socket drops bytes.
      this.#valve.hold(HOLD.judge);
      this.#client.off('data', this.#onData);
      openTunnel(this.#ctx, this.#flow, this.#valve, head, rest).catch(this.#internal);
    } else {
      const routed = judgeRequest(this.#ctx, this.#flow, head, this.#explicit, this.#ctx.judgements);
      if (!(routed instanceof Promise)) this.#judged(head, rest, routed);
      else
        routed
          .then((r) => !this.#isClosed() && r !== null && this.#judged(head, rest, r))
          .catch(this.#internal);
    }
  }

  #judged(head: RequestHead, rest: Buffer, routed: Routed): void {
    const flow = this.#flow;
    const { judgement: j, port } = routed;
    flow.facts = j.facts;
    flow.destinationAddress = j.facts.address;
    flow.setDecision(j.decision);
    if (j.decision.action === 'block') this.#block(head);
    else if (j.unresolved) this.#fail(502, `the name "${head.host}" could not be resolved`, 'lookup-failed');
    else {
      const f = { head, addresses: j.addresses, port, bytesUpBefore: flow.bytesUp, retried: false };
      this.#forwarded = f;
      // An idle pooled connection to the judged (first) address, else a new one.
      const pooled = this.#ctx.pool.take(j.addresses[0], port);
      if (pooled !== null) this.#forward(head, rest, pooled);
      else this.#connect(f, rest).catch(this.#internal);
    }
  }

  readonly #internal = (err: Error): void => {
    reportError(this.#ctx, this.#flow, 'internal', `serving a request: ${err.message}`);
    this.#destroy();
  };

  #block(head: RequestHead): void {
    // A request body would have to be read and thrown away: close instead.
    const close = !head.keepAlive || head.body !== 'none' || this.#clientEnded;
    const bytes = blockedFor(this.#ctx, head, this.#flow.decision, close);
    this.#flow.bytesDown += bytes.length;
    if (close) {
      this.#phase = 'closed';
      finish(this.#client, bytes, this.#flow);
      return;
    }
    this.#client.write(bytes);
    this.#next();
  }

  // A new origin connection (the pool had none, or a retry); a retry counts its head once, as sent.
  async #connect(f: Forwarded, rest: Buffer, bytesUpBefore?: number): Promise<void> {
    const r = await dialLink(f.addresses, f.port, this.#ctx.deps.settings.connectTimeoutMs);
    if (!('socket' in r)) this.#fail(r.status, r.message, r.kind);
    else if (this.#isClosed()) r.socket.destroy();
    else {
      if (bytesUpBefore !== undefined) this.#flow.bytesUp = bytesUpBefore;
      this.#forward(f.head, rest, r);
    }
  }

  #forward(head: RequestHead, rest: Buffer, link: OriginLink): void {
    this.#origin = link;
    this.#flow.destinationAddress = link.address;
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
    const pending = this.#held.take(rest);
    // Corked when body bytes are in hand, so the head and they leave in one write; a bodiless
    // request is one write already (a cork would only buffer it and cost an uncork).
    const cork = exchange.readingBody && pending.length > 0;
    if (cork) link.socket.cork();
    exchange.start(formatOriginHead(head, { via: this.#ctx.via }));
    for (const chunk of pending) this.#data(chunk);
    if (cork) link.socket.uncork();
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
      finish(this.#client, undefined, this.#flow);
    } else this.#next();
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
      this.#connect(f, EMPTY, f.bytesUpBefore).catch(this.#internal);
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

  // Ready for the next request on this connection (RFC 9112 §9.3 persistence).
  #next(): void {
    this.#phase = 'head';
    this.#reader.reset();
    this.#valve.release(HOLD.judge | HOLD.pipeline);
    for (const chunk of this.#held.take(EMPTY)) this.#data(chunk);
  }

  #ended(): void {
    this.#clientEnded = true;
    // Half-closed between requests: nothing more will come, so close (an exchange closes at its end).
    if (this.#phase === 'head') {
      this.#phase = 'closed';
      this.#deadline.stop();
      finish(this.#client, undefined, this.#flow);
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
    finish(this.#client, bytes, this.#flow);
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

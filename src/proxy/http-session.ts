/**
 * A client connection speaking HTTP/1.1 to the proxy (explicit or transparent): read a head
 * within the time and size limits, judge its destination, then disclose a block (451), tunnel a
 * CONNECT, or forward the exchange and go round again while both sides keep the connection.
 */
import type { Socket } from 'node:net';
import { openTunnel } from './connect.js';
import { finish, judgeContext, type ProxyContext, reportError } from './connection.js';
import { judge } from './decide.js';
import { dial } from './dial.js';
import type { Flow } from './flow.js';
import type { Framing } from './framing.js';
import { Exchange, type ExchangeResult, OriginLink } from './http-exchange.js';
import { formatOriginHead, type RequestHead, RequestHeadReader } from './http-head.js';
import { HOLD, Valve } from './relay.js';
import { blockedResponse, errorResponse, orderOf, wantsJson } from './respond.js';
import type { ProxyErrorKind } from './types.js';

type Phase = 'head' | 'busy' | 'body' | 'wait' | 'tunnel' | 'closed';

/** Serves one client connection on an HTTP listener. */
export class HttpSession {
  readonly #ctx: ProxyContext;
  readonly #client: Socket;
  readonly #valve: Valve;
  readonly #flow: Flow;
  readonly #explicit: boolean;
  #phase: Phase = 'head';
  #reader: RequestHeadReader;
  #headTimer: NodeJS.Timeout | null = null;
  #origin: OriginLink | null = null;
  #exchange: Exchange | null = null;
  #pending: Buffer[] = [];
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
    this.#startHeadTimer();
  }

  // A method, not a field read: TypeScript would keep a narrowing across an await.
  #isClosed(): boolean {
    return this.#phase === 'closed';
  }

  #newReader(): RequestHeadReader {
    return new RequestHeadReader({ maxHeadBytes: this.#ctx.deps.settings.maxHeaderBytes });
  }

  // RFC 9110 §15.5.9: 408 when the head does not arrive in time (slowloris); between kept-alive
  // requests an idle connection is simply closed.
  #startHeadTimer(): void {
    const ms = this.#ctx.deps.settings.headerTimeoutMs;
    this.#headTimer = setTimeout(() => {
      this.#headTimer = null;
      if (this.#phase !== 'head') return;
      this.#fail(408, `the request head did not arrive within ${ms} ms`, 'head-timeout');
    }, ms);
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
        // Being judged: reading is already held; these bytes are body or the next request.
        this.#pending.push(chunk);
        return;
      case 'wait':
        // A pipelined request waits, unread, until the current response is complete.
        this.#pending.push(chunk);
        this.#valve.hold(HOLD.pipeline);
        return;
    }
  }

  #head(chunk: Buffer): void {
    if (this.#headTimer === null) this.#startHeadTimer();
    const r = this.#reader.push(chunk);
    if (r.state === 'need-more') return;
    if (this.#headTimer !== null) clearTimeout(this.#headTimer);
    this.#headTimer = null;
    if (r.state === 'error') {
      this.#fail(r.status, `refused request head: ${r.reason}`, 'head-invalid');
      return;
    }
    this.#phase = 'busy';
    this.#valve.hold(HOLD.judge);
    this.#handle(r.head, Buffer.from(r.rest)).catch((err: Error) => {
      reportError(this.#ctx, this.#flow, 'internal', `serving a request: ${err.message}`);
      this.#destroy();
    });
  }

  async #handle(head: RequestHead, rest: Buffer): Promise<void> {
    if (head.method === 'CONNECT') {
      if (!this.#explicit)
        return this.#fail(400, 'connect is served on the explicit proxy port only', 'head-invalid');
      this.#phase = 'tunnel';
      this.#client.off('data', this.#onData);
      return openTunnel(this.#ctx, this.#flow, this.#valve, head, rest);
    }
    if (this.#explicit && head.form !== 'absolute') {
      return this.#fail(
        400,
        `a proxy request needs an absolute http:// target, not "${head.path}"`,
        'head-invalid',
      );
    }
    if (head.scheme === 'https') {
      return this.#fail(
        400,
        'https urls go through connect, the proxy does not open tls for you',
        'head-invalid',
      );
    }
    const flow = this.#flow;
    const port = this.#explicit ? head.port : this.#ctx.ports.http;
    flow.destinationName = head.hostKind === 'name' ? head.host : null;
    flow.port = port;
    const url = head.path === '*' ? null : `http://${head.authority}${head.path}`;
    const j = await judge(judgeContext(this.#ctx, flow), head.host, head.hostKind === 'name', url);
    if (this.#isClosed()) return;
    flow.facts = j.facts;
    flow.destinationAddress = j.facts.address;
    flow.setDecision(j.decision);
    if (j.decision.action === 'block') return this.#block(head);
    if (j.unresolved)
      return this.#fail(502, `the name "${head.host}" could not be resolved`, 'lookup-failed');
    const link = await this.#link(j.addresses, port);
    if (link === null || this.#isClosed()) return;
    this.#forward(head, rest, link);
  }

  // RFC 7725 §3: the 451 names the order in a blocked-by link; the body is its notice.
  #block(head: RequestHead): void {
    const d = this.#flow.decision;
    const order = orderOf(this.#ctx.deps.policy(), d);
    const accept = head.headers.find(([n]) => n === 'accept')?.[1];
    // A request body would have to be read and thrown away: close instead.
    const close = !head.keepAlive || head.body !== 'none' || this.#clientEnded;
    const settings = this.#ctx.deps.settings;
    const bytes = blockedResponse(order, d.orderId, settings.operatorUrl, wantsJson(accept), close);
    this.#flow.bytesDown += bytes.length;
    if (close) {
      this.#phase = 'closed';
      finish(this.#client, bytes);
      return;
    }
    this.#client.write(bytes);
    this.#next();
  }

  async #link(addresses: readonly string[], port: number): Promise<OriginLink | null> {
    const current = this.#origin;
    if (current?.usable && current.key === `${addresses[0]}|${port}`) return current;
    current?.socket.destroy();
    this.#origin = null;
    const r = await dial(addresses, port, this.#ctx.deps.settings.connectTimeoutMs);
    if (!r.ok) {
      const why = `connecting to the origin on port ${port} failed: ${r.message}`;
      this.#fail(r.timeout ? 504 : 502, why, r.timeout ? 'origin-timeout' : 'connect-failed');
      return null;
    }
    if (this.#isClosed()) {
      r.socket.destroy();
      return null;
    }
    const link = new OriginLink(r.socket, r.address, port);
    link.socket.setTimeout(this.#ctx.deps.settings.idleTimeoutMs, () => link.socket.destroy());
    this.#origin = link;
    this.#flow.destinationAddress = r.address;
    return link;
  }

  #forward(head: RequestHead, rest: Buffer, link: OriginLink): void {
    const settings = this.#ctx.deps.settings;
    const requestBody: Framing =
      head.body === 'chunked'
        ? { kind: 'chunked' }
        : head.body === 'length'
          ? { kind: 'length', length: head.contentLength }
          : { kind: 'none' };
    const exchange = new Exchange({
      client: this.#valve,
      link,
      flow: this.#flow,
      method: head.method,
      requestBody,
      clientKeepAlive: head.keepAlive && !this.#clientEnded,
      via: this.#ctx.via,
      responseTimeoutMs: settings.idleTimeoutMs,
      onThrottled: (n) => this.#ctx.deps.metrics.throttledBytes(n),
      done: (r) => this.#exchanged(r),
      failed: (status, message) => this.#exchangeFailed(status, message),
    });
    this.#exchange = exchange;
    this.#phase = exchange.readingBody ? 'body' : 'wait';
    exchange.start(formatOriginHead(head, { via: this.#ctx.via }));
    const pending = rest.length > 0 ? [rest, ...this.#pending] : this.#pending;
    this.#pending = [];
    for (const chunk of pending) this.#data(chunk);
    this.#valve.release(HOLD.judge);
  }

  #exchanged(r: ExchangeResult): void {
    this.#exchange = null;
    if (!r.originReusable) {
      this.#origin?.socket.destroy();
      this.#origin = null;
    }
    if (r.clientClose || this.#clientEnded) {
      this.#phase = 'closed';
      finish(this.#client);
      return;
    }
    this.#next();
  }

  #exchangeFailed(status: 502 | 504 | null, message: string): void {
    this.#exchange = null;
    this.#origin = null;
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
    this.#reader = this.#newReader();
    this.#valve.release(HOLD.judge | HOLD.pipeline);
    const pending = this.#pending;
    this.#pending = [];
    for (const chunk of pending) this.#data(chunk);
  }

  #ended(): void {
    this.#clientEnded = true;
    // Half-closed between requests: nothing more will come, so close (an exchange closes at its end).
    if (this.#phase === 'head') {
      this.#phase = 'closed';
      if (this.#headTimer !== null) clearTimeout(this.#headTimer);
      finish(this.#client);
    }
  }

  #fail(status: number, message: string, kind: ProxyErrorKind): void {
    if (this.#phase === 'closed') return;
    reportError(this.#ctx, this.#flow, kind, message);
    this.#phase = 'closed';
    if (this.#headTimer !== null) clearTimeout(this.#headTimer);
    this.#exchange?.abort();
    this.#origin?.socket.destroy();
    const bytes = errorResponse(status, message);
    this.#flow.bytesDown += bytes.length;
    finish(this.#client, bytes);
  }

  #destroy(): void {
    this.#phase = 'closed';
    if (this.#headTimer !== null) clearTimeout(this.#headTimer);
    this.#headTimer = null;
    this.#exchange?.abort();
    this.#exchange = null;
    this.#origin?.socket.destroy();
    this.#origin = null;
    this.#client.destroy();
  }
}

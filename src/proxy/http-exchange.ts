/**
 * One forwarded HTTP/1.1 exchange on a kept-alive origin connection: the request head and body
 * up, the response head (rewritten) and body down, each body relayed byte for byte and followed
 * only to find where it ends (RFC 9112 §6.3), so both connections can persist.
 *
 * Cheap per request: the response head goes out in the same write as the body bytes that came
 * with it, and the wait for a response head is the client connection's idle limit, kept by the
 * proxy's one sweep (`idle()`), not a timer per request or a socket timeout re-armed per read.
 */
import type { Flow } from './flow.js';
import { BodyFramer, type Framing } from './framing.js';
import {
  clientHeadText,
  formatClientHead,
  originKeepsAlive,
  ResponseHeadReader,
  responseFraming,
} from './http-response.js';
import type { OriginLink } from './origin-pool.js';
import { Channel, type Valve } from './relay.js';

/** How an exchange ended. */
export interface ExchangeResult {
  /** The client connection must close (its request or the response said so). */
  readonly clientClose: boolean;
  /** The origin connection may carry the next request. */
  readonly originReusable: boolean;
}

/** What an exchange needs from its session. */
export interface ExchangeOptions {
  readonly client: Valve;
  readonly link: OriginLink;
  readonly flow: Flow;
  readonly method: string;
  readonly requestBody: Framing;
  /** The client asked to keep its connection (and has not half-closed). */
  readonly clientKeepAlive: boolean;
  readonly via: string;
  readonly responseTimeoutMs: number;
  readonly onThrottled: (n: number) => void;
  readonly done: (result: ExchangeResult) => void;
  /**
   * The exchange failed: `status` is set when nothing was sent to the client yet (502/504);
   * `unanswered` when not one byte came from the origin either (a request on a reused link may
   * then be retried, RFC 9112 §9.3.1).
   */
  readonly failed: (status: 502 | 504 | null, message: string, unanswered: boolean) => void;
}

/** One request/response pair. */
export class Exchange {
  readonly #o: ExchangeOptions;
  readonly #up: Channel;
  readonly #down: Channel;
  readonly #request: BodyFramer;
  #reader: ResponseHeadReader | null = new ResponseHeadReader();
  #response: BodyFramer | null = null;
  #responseClose = false;
  #originReusable = true;
  #requestDone: boolean;
  #responseDone = false;
  #over = false;
  #answered = false;
  #received = false;

  constructor(o: ExchangeOptions) {
    this.#o = o;
    this.#up = new Channel(o.client, o.link.socket, o.flow, 'up', o.onThrottled);
    this.#down = new Channel(o.link.valve, o.client.socket, o.flow, 'down', o.onThrottled);
    this.#request = new BodyFramer(o.requestBody);
    this.#requestDone = this.#request.done;
    o.link.onData = (c) => this.#fromOrigin(c);
    o.link.onEnd = () => this.#originEnded();
    o.link.onClose = () => this.#originEnded();
  }

  /**
   * Nothing moved either way for responseTimeoutMs (the session's idle limit): before a response
   * head it is a 504; mid-response the origin is dropped, as an idle relay is (the client too).
   */
  idle(): void {
    if (this.#over) return;
    if (this.#reader !== null)
      this.#fail(504, `the origin did not answer within ${this.#o.responseTimeoutMs} ms`);
    else this.#fail(null, `the exchange was idle for ${this.#o.responseTimeoutMs} ms`);
  }

  /** Sends the request head; the body follows through `requestData`. */
  start(head: Buffer): void {
    this.#up.write(head);
    if (this.#requestDone) this.#up.flush(() => this.#check());
  }

  /** Relays request body bytes; returns what follows the body (a pipelined request), if any. */
  requestData(chunk: Buffer): Buffer | null {
    if (this.#requestDone) return chunk;
    const n = this.#request.push(chunk);
    if (n < 0) {
      this.#fail(null, 'the request body framing is malformed');
      return null;
    }
    this.#up.write(chunk.subarray(0, n));
    if (this.#request.done) {
      this.#requestDone = true;
      this.#up.flush(() => this.#check());
    }
    return n < chunk.length ? chunk.subarray(n) : null;
  }

  /** True while the request body is still arriving from the client. */
  get readingBody(): boolean {
    return !this.#requestDone;
  }

  /** Drops everything (the session is closing). */
  abort(): void {
    this.#end();
  }

  #fromOrigin(chunk: Buffer): void {
    if (this.#over) return;
    this.#received = true;
    let head: string | null = null;
    let body = chunk;
    if (this.#reader !== null) {
      const r = this.#responseHead(chunk);
      if (r === null || this.#over) return;
      head = r.head;
      body = r.rest;
    }
    const framer = this.#response as BodyFramer;
    const n = framer.push(body);
    if (n < 0) {
      this.#fail(null, 'the origin sent a malformed chunked body');
      return;
    }
    const piece = n === body.length ? body : body.subarray(0, n);
    // One write for the head and the body bytes that came with it (a small response: one syscall).
    if (head === null) this.#down.write(piece);
    else this.#down.writeTogether(head, piece);
    if (n < body.length) this.#originReusable = false; // bytes past the response: not trusted
    if (framer.done) {
      this.#responseDone = true;
      this.#down.flush(() => this.#check());
    }
  }

  // Reads the response head; returns the client's head and the body bytes that followed, or null
  // while not done (interim 1xx heads are written as they come).
  #responseHead(chunk: Buffer): { head: string; rest: Buffer } | null {
    const r = (this.#reader as ResponseHeadReader).push(chunk);
    if (r.state === 'need-more') return null;
    const framing = r.state === 'error' ? r.reason : responseFraming(r.head, this.#o.method);
    if (r.state === 'error' || typeof framing === 'string') {
      this.#fail(502, `the origin sent a malformed response: ${framing as string}`);
      return null;
    }
    const head = r.head;
    if (head.status >= 100 && head.status < 200) {
      // RFC 9110 §15.2: interim responses are forwarded; 101 never is (Upgrade is not passed on).
      if (head.status === 101) this.#fail(502, 'the origin switched protocols unasked');
      else {
        this.#answered = true;
        this.#down.write(formatClientHead(head, false, this.#o.via));
        this.#reader = new ResponseHeadReader();
        if (r.rest.length > 0) return this.#responseHead(r.rest);
      }
      return null;
    }
    this.#reader = null;
    this.#originReusable = originKeepsAlive(head, framing);
    this.#responseClose = !this.#o.clientKeepAlive || framing.kind === 'close';
    this.#response = new BodyFramer(framing);
    this.#answered = true;
    return { head: clientHeadText(head, this.#responseClose, this.#o.via), rest: r.rest };
  }

  #originEnded(): void {
    if (this.#over) return;
    if (this.#reader !== null) {
      this.#fail(502, 'the origin closed the connection before answering');
      return;
    }
    // Whatever this exchange makes of it, a connection the origin has ended is never reused.
    this.#originReusable = false;
    if (this.#responseDone) return;
    // A close-delimited body ends here; any other body was cut short.
    if (this.#responseClose && this.#response !== null && !this.#response.done) {
      this.#responseDone = true;
      this.#requestDone = true;
      this.#down.flush(() => this.#check());
      return;
    }
    this.#fail(null, 'the origin closed the connection in the middle of its response');
  }

  #check(): void {
    if (this.#over || !this.#requestDone || !this.#responseDone) return;
    if (!this.#up.idle || !this.#down.idle) return;
    this.#end();
    this.#o.done({ clientClose: this.#responseClose, originReusable: this.#originReusable });
  }

  #fail(status: 502 | 504 | null, message: string): void {
    if (this.#over) return;
    // A status can only be sent if no byte of the response reached the client.
    const canAnswer = status !== null && !this.#answered;
    this.#end();
    this.#o.link.socket.destroy();
    this.#o.failed(canAnswer ? status : null, message, !this.#received);
  }

  #end(): void {
    this.#over = true;
    this.#up.close();
    this.#down.close();
    this.#o.link.idle();
  }
}

/**
 * One forwarded HTTP/1.1 exchange on a kept-alive origin connection: the request head and body
 * up, the response head (rewritten) and body down, each body relayed byte for byte and followed
 * only to find where it ends (RFC 9112 §6.3), so both connections can persist.
 */
import type { Socket } from 'node:net';
import type { Flow } from './flow.js';
import { BodyFramer, type Framing } from './framing.js';
import { formatClientHead, originKeepsAlive, ResponseHeadReader, responseFraming } from './http-response.js';
import { Channel, Valve } from './relay.js';

/** A connection to one origin, kept between the exchanges of one client connection. */
export class OriginLink {
  readonly socket: Socket;
  readonly valve: Valve;
  /** `address:port`: a later request to the same place reuses the link. */
  readonly key: string;
  readonly address: string;
  /** The current exchange's handlers; while idle, any event ends the link. */
  onData: (chunk: Buffer) => void;
  onEnd: () => void;
  onClose: () => void;
  #closed = false;

  constructor(socket: Socket, address: string, port: number) {
    this.socket = socket;
    this.valve = new Valve(socket);
    this.address = address;
    this.key = `${address}|${port}`;
    this.onData = () => socket.destroy();
    this.onEnd = () => socket.destroy();
    this.onClose = () => {};
    socket.on('data', (c: Buffer) => this.onData(c));
    socket.on('end', () => this.onEnd());
    socket.once('close', () => {
      this.#closed = true;
      this.onClose();
    });
  }

  get usable(): boolean {
    return !this.#closed && !this.socket.destroyed && this.socket.writable;
  }

  /** Back to idle: nothing is expected from the origin until the next request. */
  idle(): void {
    this.onData = () => this.socket.destroy();
    this.onEnd = () => this.socket.destroy();
    this.onClose = () => {};
  }
}

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
  /** The exchange failed: `status` is set when nothing was sent to the client yet (502/504). */
  readonly failed: (status: 502 | 504 | null, message: string) => void;
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
  #timer: NodeJS.Timeout | null;
  #over = false;
  #answered = false;

  constructor(o: ExchangeOptions) {
    this.#o = o;
    this.#up = new Channel(o.client, o.link.socket, o.flow, 'up', o.onThrottled);
    this.#down = new Channel(o.link.valve, o.client.socket, o.flow, 'down', o.onThrottled);
    this.#request = new BodyFramer(o.requestBody);
    this.#requestDone = this.#request.done;
    o.link.onData = (c) => this.#fromOrigin(c);
    o.link.onEnd = () => this.#originEnded();
    o.link.onClose = () => this.#originEnded();
    this.#timer = setTimeout(
      () => this.#fail(504, `the origin did not answer within ${o.responseTimeoutMs} ms`),
      o.responseTimeoutMs,
    );
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
    const body = this.#reader === null ? chunk : this.#responseHead(chunk);
    if (body === null || this.#over) return;
    const framer = this.#response as BodyFramer;
    const n = framer.push(body);
    if (n < 0) {
      this.#fail(null, 'the origin sent a malformed chunked body');
      return;
    }
    this.#down.write(body.subarray(0, n));
    if (n < body.length) this.#originReusable = false; // bytes past the response: not trusted
    if (framer.done) {
      this.#responseDone = true;
      this.#down.flush(() => this.#check());
    }
  }

  // Reads the response head; returns the body bytes that followed it, or null while not done.
  #responseHead(chunk: Buffer): Buffer | null {
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
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#reader = null;
    this.#originReusable = originKeepsAlive(head, framing);
    this.#responseClose = !this.#o.clientKeepAlive || framing.kind === 'close';
    this.#response = new BodyFramer(framing);
    this.#answered = true;
    this.#down.write(formatClientHead(head, this.#responseClose, this.#o.via));
    return r.rest;
  }

  #originEnded(): void {
    if (this.#over) return;
    if (this.#reader !== null) {
      this.#fail(502, 'the origin closed the connection before answering');
      return;
    }
    if (this.#responseDone) return;
    // A close-delimited body ends here; any other body was cut short.
    if (this.#responseClose && this.#response !== null && !this.#response.done) {
      this.#originReusable = false;
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
    this.#o.failed(canAnswer ? status : null, message);
  }

  #end(): void {
    this.#over = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#up.close();
    this.#down.close();
    this.#o.link.idle();
  }
}

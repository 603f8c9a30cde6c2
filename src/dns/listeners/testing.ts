/**
 * Test support for the listeners and their e2e test: an echo handler, metrics that record,
 * and a client for length-prefixed DNS streams. Production code never imports this module.
 */
import type net from 'node:net';
import dnsPacket, { type Answer } from 'dns-packet';
import type { DnsHandler, ListenerErrorKind, ListenerMetrics, QueryContext, Transport } from './contract.js';

/** Answers every query with itself, QR set: enough to prove the transport. */
export const echoHandler: DnsHandler = (query) => {
  const out = Buffer.from(query);
  out[2] |= 0x80;
  return out;
};

/**
 * Answers every query for `name` with `192.0.2.1` (TTL 300), built with dns-packet so the
 * answer is independent of the code under test; `extra` records join the answer section.
 */
export function answerHandler(ttl = 300, extra: Answer[] = []): DnsHandler {
  return (query) => {
    const q = dnsPacket.decode(query);
    const name = q.questions?.[0]?.name ?? '.';
    return dnsPacket.encode({
      type: 'response',
      id: q.id,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
      questions: q.questions,
      answers: [{ name, type: 'A', class: 'IN', ttl, data: '192.0.2.1' }, ...extra],
    });
  };
}

/** `handler`, answering after `ms`. */
export function delayed(ms: number, handler: DnsHandler): DnsHandler {
  return async (query, ctx) => {
    await new Promise((r) => setTimeout(r, ms));
    return handler(query, ctx);
  };
}

/** `handler`, keeping every context it was called with in `seen`. */
export function capturing(handler: DnsHandler): { handler: DnsHandler; seen: QueryContext[] } {
  const seen: QueryContext[] = [];
  return {
    seen,
    handler: (query, ctx) => {
      seen.push(ctx);
      return handler(query, ctx);
    },
  };
}

/** Metrics that keep what they were told. */
export interface RecordedMetrics extends ListenerMetrics {
  readonly queries: Transport[];
  readonly errors: string[];
  /** Open connections per transport, as reported. */
  readonly open: Record<string, number>;
  count(kind: ListenerErrorKind): number;
}

/** Builds metrics that record every call. */
export function recordingMetrics(): RecordedMetrics {
  const m: RecordedMetrics = {
    queries: [],
    errors: [],
    open: {},
    onQuery: (t) => m.queries.push(t),
    onError: (t, kind) => m.errors.push(`${t}:${kind}`),
    onConnection: (t, delta) => {
      m.open[t] = (m.open[t] ?? 0) + delta;
    },
    count: (kind) => m.errors.filter((e) => e.endsWith(`:${kind}`)).length,
  };
  return m;
}

/** A minimal query: id, RD, one question `<label>. A IN`, optional OPT with a UDP size. */
export function makeQuery(id: number, label = 'example', udpSize?: number): Buffer {
  const name = Buffer.concat([Buffer.from([label.length]), Buffer.from(label), Buffer.from([0])]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(udpSize === undefined ? 0 : 1, 10);
  const parts = [header, name, Buffer.from([0, 1, 0, 1])];
  if (udpSize !== undefined)
    parts.push(Buffer.from([0, 0, 41, udpSize >> 8, udpSize & 255, 0, 0, 0, 0, 0, 0]));
  return Buffer.concat(parts);
}

/** Prefixes a message with its two-octet length (RFC 1035 §4.2.2). */
export function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length, 0);
  return Buffer.concat([len, msg]);
}

/** Collects length-prefixed messages from a stream socket. */
export class FrameReader {
  readonly messages: Buffer[] = [];
  #buf = Buffer.alloc(0);
  #waiters: { n: number; resolve: () => void }[] = [];
  closed = false;
  readonly #closedWaiters: (() => void)[] = [];

  constructor(socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, chunk]);
      while (this.#buf.length >= 2 && this.#buf.length >= 2 + this.#buf.readUInt16BE(0)) {
        const len = this.#buf.readUInt16BE(0);
        this.messages.push(this.#buf.subarray(2, 2 + len));
        this.#buf = this.#buf.subarray(2 + len);
      }
      const ready = this.#waiters.filter((w) => this.messages.length >= w.n);
      this.#waiters = this.#waiters.filter((w) => this.messages.length < w.n);
      for (const w of ready) w.resolve();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.#closedWaiters) w();
    });
  }

  /** Resolves once `n` messages have arrived, rejects after `ms`. */
  waitFor(n: number, ms = 3000): Promise<Buffer[]> {
    if (this.messages.length >= n) return Promise.resolve(this.messages);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got ${this.messages.length} of ${n} messages`)), ms);
      this.#waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.messages);
        },
      });
    });
  }

  /** Resolves with the ms it took the peer to close the connection, rejects after `ms`. */
  waitClosed(ms = 3000): Promise<number> {
    const start = Date.now();
    if (this.closed) return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connection still open')), ms);
      this.#closedWaiters.push(() => {
        clearTimeout(timer);
        resolve(Date.now() - start);
      });
    });
  }
}

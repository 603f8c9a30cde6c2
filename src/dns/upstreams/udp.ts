/**
 * DNS over UDP to one upstream, through a small set of shared, connected sockets.
 *
 * Each query goes out on a randomly chosen socket under a fresh random ID unique on that socket;
 * the caller's ID is restored on the answer. Sockets are replaced after a number of uses, so the
 * source port keeps changing (RFC 5452 §9.2 source port randomisation, §4.3 ID randomisation).
 * Sockets are `connect()`ed: the kernel drops datagrams from any other address or port and
 * reports ICMP port-unreachable, which fails the socket's queries at once instead of by timeout.
 */

import dgram from 'node:dgram';
import { GatehouseError } from '../../core/errors.js';
import { HEADER_LENGTH, IdSource, isResponse, questionKey, readId, writeId } from './header.js';
import type { UpstreamSpec } from './spec.js';

/** Options of one UDP transport. */
export interface UdpTransportOptions {
  /** How many sockets share the queries (source ports in use at once). Default 4. */
  readonly sockets?: number;
  /** Queries sent on a socket before it is replaced by one on a new port. Default 1024. */
  readonly queriesPerSocket?: number;
  /** Called for each datagram dropped because its ID or question did not match (RFC 5452 §9.1). */
  readonly onIgnored?: () => void;
}

interface Pending {
  readonly key: string;
  readonly resolve: (msg: Buffer) => void;
  readonly reject: (err: Error) => void;
}

interface Slot {
  readonly socket: dgram.Socket;
  readonly ready: Promise<void>;
  readonly pending: Map<number, Pending>;
  uses: number;
  retired: boolean;
  closed: boolean;
}

/** A UDP exchange with one upstream. `close()` closes every socket. */
export class UdpTransport {
  readonly #spec: UpstreamSpec;
  readonly #slots: (Slot | null)[];
  readonly #perSocket: number;
  readonly #onIgnored: () => void;
  readonly #ids = new IdSource();
  /** Every open socket, including retired ones still waiting for answers. */
  readonly #live = new Set<Slot>();
  #closed = false;

  constructor(spec: UpstreamSpec, options: UdpTransportOptions = {}) {
    this.#spec = spec;
    this.#slots = new Array<Slot | null>(Math.max(1, options.sockets ?? 4)).fill(null);
    this.#perSocket = Math.max(1, options.queriesPerSocket ?? 1024);
    this.#onIgnored = options.onIgnored ?? (() => {});
  }

  /** Queries awaiting an answer. */
  get inFlight(): number {
    let n = 0;
    for (const s of this.#live) n += s.pending.size;
    return n;
  }

  /**
   * Sends `query` (its ID is not modified) and resolves with the matching answer carrying the
   * original ID; rejects with GH_ERR_DNS_UPSTREAM_TIMEOUT after `timeoutMs`. A retransmission
   * on another socket, under another ID, goes out at `retransmitMs` when that is shorter; the
   * first valid answer to either wins.
   */
  async exchange(
    query: Buffer,
    timeoutMs: number,
    retransmitMs = timeoutMs,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    if (this.#closed) throw new GatehouseError('GH_ERR_DNS_UPSTREAM_FAILED', `udp ${this.#spec.id}: closed`);
    const key = questionKey(query);
    if (key === null)
      throw new GatehouseError('GH_ERR_DNS_UPSTREAM_QUERY', 'forwarding over udp: malformed query');
    const originalId = readId(query);
    return new Promise<Buffer>((resolve, reject) => {
      const sent: { slot: Slot; id: number }[] = [];
      const finish = (err: Error | null, msg?: Buffer): void => {
        clearTimeout(timer);
        clearTimeout(again);
        signal?.removeEventListener('abort', onAbort);
        for (const s of sent) this.#release(s.slot, s.id);
        sent.length = 0;
        if (err) reject(err);
        else {
          writeId(msg!, originalId);
          resolve(msg!);
        }
      };
      const pending: Pending = { key, resolve: (m) => finish(null, m), reject: (e) => finish(e) };
      const send = (): void => {
        const out = this.#send(query, pending);
        if (out instanceof Error) finish(out);
        else sent.push(out);
      };
      const onAbort = (): void =>
        finish(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
      const timer = setTimeout(
        () =>
          finish(
            new GatehouseError(
              'GH_ERR_DNS_UPSTREAM_TIMEOUT',
              `udp ${this.#spec.id}: no answer in ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      const again = retransmitMs < timeoutMs ? setTimeout(send, retransmitMs) : undefined;
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      send();
    });
  }

  /** Closes every socket; queries still waiting fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#slots.fill(null);
    for (const slot of [...this.#live]) this.#fail(slot, 'closed');
  }

  /** Picks a random socket, registers the query under a fresh ID and sends a copy carrying it. */
  #send(query: Buffer, pending: Pending): { slot: Slot; id: number } | Error {
    const slot = this.#slot();
    const id = this.#ids.unused(slot.pending);
    if (id < 0)
      return new GatehouseError(
        'GH_ERR_DNS_UPSTREAM_FAILED',
        `udp ${this.#spec.id}: too many queries in flight`,
      );
    slot.pending.set(id, pending);
    const copy = Buffer.from(query);
    writeId(copy, id);
    slot.ready.then(
      () => {
        if (!slot.closed && slot.pending.get(id) === pending)
          slot.socket.send(copy, (err) => err && this.#fail(slot, err.message));
      },
      () => {},
    );
    return { slot, id };
  }

  #slot(): Slot {
    const i = Math.floor(Math.random() * this.#slots.length);
    let slot = this.#slots[i];
    if (!slot || slot.retired || slot.uses >= this.#perSocket) {
      if (slot && !slot.retired) this.#retire(slot);
      slot = this.#open();
      this.#slots[i] = slot;
    }
    slot.uses++;
    return slot;
  }

  #open(): Slot {
    const socket = dgram.createSocket({ type: this.#spec.family === 6 ? 'udp6' : 'udp4' });
    const pending = new Map<number, Pending>();
    const ready = new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    ready.catch(() => {});
    const slot: Slot = { socket, ready, pending, uses: 0, retired: false, closed: false };
    this.#live.add(slot);
    // Waiting queries hold the process through their timers; an idle socket must not.
    socket.unref();
    socket.on('message', (msg) => this.#receive(slot, msg));
    // ECONNREFUSED (ICMP port unreachable) and other socket errors fail what waits on this socket.
    socket.on('error', (err) => this.#fail(slot, (err as NodeJS.ErrnoException).code ?? err.message));
    socket.connect(this.#spec.port, this.#spec.host);
    return slot;
  }

  /** RFC 5452 §9.1: accept only a response whose ID is outstanding and whose question matches. */
  #receive(slot: Slot, msg: Buffer): void {
    const pending =
      msg.length >= HEADER_LENGTH && isResponse(msg) ? slot.pending.get(readId(msg)) : undefined;
    if (pending && questionKey(msg) === pending.key) pending.resolve(msg);
    else this.#onIgnored();
  }

  #release(slot: Slot, id: number): void {
    slot.pending.delete(id);
    if (slot.retired && slot.pending.size === 0) this.#closeSlot(slot);
  }

  /** Stops using a socket; it closes once its last query is done. */
  #retire(slot: Slot): void {
    slot.retired = true;
    if (slot.pending.size === 0) this.#closeSlot(slot);
  }

  #fail(slot: Slot, why: string): void {
    const err = new GatehouseError('GH_ERR_DNS_UPSTREAM_FAILED', `udp ${this.#spec.id}: ${why}`);
    slot.retired = true;
    for (const p of [...slot.pending.values()]) p.reject(err);
    this.#closeSlot(slot);
  }

  #closeSlot(slot: Slot): void {
    if (slot.closed) return;
    slot.closed = true;
    this.#live.delete(slot);
    slot.socket.close();
  }
}

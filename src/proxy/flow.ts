/**
 * One proxied connection: who, where, the decision in force, the throttle it draws from, and
 * the counters its flow record is made of. The listener fills it; the live table re-judges it.
 */

import type { Socket } from 'node:net';
import { type Action, type Decision, NO_DECISION } from '../core/decision.js';
import type { Identity } from '../identity/cidr-map.js';
import type { FlowListener, FlowRecord } from '../records/types.js';
import type { DestinationFacts } from './decide.js';
import { mostRestrictive } from './decide.js';
import type { HeadDeadline } from './head-deadline.js';
import type { Redirect } from './original-destination.js';
import type { FairShare, ThrottleRegistry } from './throttle.js';
import type { ListenerKind, LiveConnection } from './types.js';

/** A direction of a connection: `up` is client→origin, `down` origin→client. */
export type Direction = 'up' | 'down';

/** Something that must hear when the flow's throttle changes (a relay channel). */
export interface ThrottleListener {
  rethrottle(): void;
}

let nextId = 1;

/** The state of one client connection. */
export class Flow {
  readonly id = nextId++;
  readonly listener: ListenerKind;
  recordListener: FlowListener;
  readonly start: number;
  readonly clientAddress: string;
  readonly identity: Identity;
  destinationName: string | null = null;
  destinationAddress: string | null = null;
  port = 0;
  bytesUp = 0;
  bytesDown = 0;
  /** The decision in force for the current destination. */
  decision: Decision = NO_DECISION;
  /** The most restrictive decision seen on this connection: what the record says. */
  verdict: Decision = NO_DECISION;
  throttled = false;
  ech = false;
  /** Where a redirected transparent connection was going (SO_ORIGINAL_DST); null otherwise. */
  redirect: Redirect | null = null;
  /** What was judged, once a destination is known; null while reading the head or hello. */
  facts: DestinationFacts | null = null;
  /** Ends the connection now (set by the listener); the record is written on close. */
  terminate: () => void = () => {};
  /** The client connection was idle for idleTimeoutMs (set by the listener; default: terminate). */
  onIdle: () => void = () => this.terminate();
  /** The client socket (set by `admit`): the sweep reads its bytes and ends a lingering close. */
  client: Socket | null = null;
  /** The head or hello deadline the sweep checks, while the listener has one. */
  deadline: HeadDeadline | null = null;
  /** The sweep's idle bookkeeping: bytes seen either way at its last look, and when they changed. */
  seenBytes = -1;
  seenAt = 0;
  /** When `finish` half-closed the client (sweepClock); 0 before. */
  finishedAt = 0;
  #up: FairShare | null = null;
  #down: FairShare | null = null;
  #key: string | null = null;
  readonly #listeners = new Set<ThrottleListener>();
  readonly #throttles: ThrottleRegistry;

  constructor(
    listener: ListenerKind,
    clientAddress: string,
    identity: Identity,
    start: number,
    throttles: ThrottleRegistry,
  ) {
    this.listener = listener;
    this.recordListener = listener === 'transparent-tls' ? 'tls-sni' : 'http';
    this.clientAddress = clientAddress;
    this.identity = identity;
    this.start = start;
    this.#throttles = throttles;
  }

  /** The share a direction draws from, or null when unthrottled. */
  share(direction: Direction): FairShare | null {
    return direction === 'up' ? this.#up : this.#down;
  }

  /** Registers a channel to hear about throttle changes (while it waits for tokens). */
  watch(listener: ThrottleListener): void {
    this.#listeners.add(listener);
  }

  /** Undoes `watch`. */
  unwatch(listener: ThrottleListener): void {
    this.#listeners.delete(listener);
  }

  /** Sets the decision in force, attaching or detaching the throttle it orders. */
  setDecision(decision: Decision): void {
    this.decision = decision;
    this.verdict = mostRestrictive(this.verdict, decision);
    const rate = decision.action === 'throttle' ? (decision.rateBps ?? 0) : 0;
    // Throttles aggregate per subscriber (pseudonym, else the client address) per order.
    const who = this.identity.subscriber ?? this.clientAddress;
    const key = rate > 0 ? `${decision.orderId}|${who}` : null;
    if (key === this.#key) {
      // Same order, same subscriber: only the order's rate may have changed.
      this.#up?.setRate(rate);
      this.#down?.setRate(rate);
      return;
    }
    const old = this.#key;
    this.#key = key;
    this.#up = key === null ? null : this.#throttles.acquire(`${key}|up`, rate);
    this.#down = key === null ? null : this.#throttles.acquire(`${key}|down`, rate);
    if (key !== null) this.throttled = true;
    // A copy: a channel told may unregister and register again, which a live Set would revisit.
    for (const l of [...this.#listeners]) l.rethrottle();
    if (old !== null) this.#release(old);
  }

  #release(key: string): void {
    this.#throttles.release(`${key}|up`);
    this.#throttles.release(`${key}|down`);
  }

  /** Gives back the throttle (at close). */
  detach(): void {
    if (this.#key !== null) this.#release(this.#key);
    this.#key = null;
    this.#up = null;
    this.#down = null;
  }

  /** The console's view. */
  snapshot(): LiveConnection {
    return {
      id: this.id,
      listener: this.listener,
      start: this.start,
      clientAddress: this.clientAddress,
      isp: this.identity.isp,
      subscriber: this.identity.subscriber,
      destinationName: this.destinationName,
      destinationAddress: this.destinationAddress,
      port: this.port,
      verdict: this.decision.action,
      orderId: this.decision.orderId,
      throttled: this.#key !== null,
      bytesUp: this.bytesUp,
      bytesDown: this.bytesDown,
    };
  }

  /** The flow record, one object literal in the declared field order (records/types.ts). */
  toRecord(end: number): FlowRecord {
    const verdict: Action = this.verdict.action;
    return {
      start: this.start,
      end,
      clientAddress: this.clientAddress,
      isp: this.identity.isp,
      subscriber: this.identity.subscriber,
      listener: this.recordListener,
      destinationName: this.destinationName,
      destinationAddress: this.destinationAddress,
      port: this.port,
      bytesUp: this.bytesUp,
      bytesDown: this.bytesDown,
      verdict,
      orderId: this.verdict.orderId,
      throttled: this.throttled,
      ech: this.ech,
    };
  }
}

/**
 * The live connections: per-source admission, the console's list, ending by order,
 * re-judging every connection when a new policy snapshot arrives, and the one sweep that keeps
 * every connection's time limits (idle, head deadline, lingering close) instead of a timer each.
 */
import type { CompiledPolicy } from '../policy/compile.js';
import { rejudge } from './decide.js';
import type { Flow } from './flow.js';
import type { LiveConnection } from './types.js';

/** How long a client half-closed by `finish` may take to close its side before it is destroyed. */
export const LINGER_MS = 1000;

/** Live flows and open connections per source address. */
export class LiveTable {
  readonly #flows = new Set<Flow>();
  readonly #perSource = new Map<string, number>();
  readonly #max: number;

  constructor(maxPerSource: number) {
    this.#max = maxPerSource;
  }

  /** Takes a slot for `address`; false (nothing taken) when it already holds the most allowed. */
  admit(address: string): boolean {
    const n = this.#perSource.get(address) ?? 0;
    if (n >= this.#max) return false;
    this.#perSource.set(address, n + 1);
    return true;
  }

  /** Gives back a slot taken by `admit`. */
  leave(address: string): void {
    const n = this.#perSource.get(address) ?? 0;
    if (n <= 1) this.#perSource.delete(address);
    else this.#perSource.set(address, n - 1);
  }

  add(flow: Flow): void {
    this.#flows.add(flow);
  }

  remove(flow: Flow): void {
    this.#flows.delete(flow);
  }

  get size(): number {
    return this.#flows.size;
  }

  list(): LiveConnection[] {
    return [...this.#flows].map((f) => f.snapshot());
  }

  /**
   * One look at every flow's time limits at `now` (sweepClock): an expired head deadline fires;
   * a client half-closed by `finish` LINGER_MS ago is destroyed (RFC 9112 §9.6 lingers, within
   * bounds); a connection whose byte counts (read from the client, relayed either way) have not
   * moved for `idleMs` is idle (`flow.onIdle`, again after each further `idleMs`). Reading
   * counters here replaces a socket timeout per connection, which Node re-arms on every read
   * and write. Everything fires at most one sweep interval late.
   */
  sweep(now: number, idleMs: number): void {
    for (const flow of this.#flows) {
      flow.deadline?.check(now);
      if (flow.finishedAt !== 0) {
        if (now - flow.finishedAt >= LINGER_MS) flow.client?.destroy();
        continue;
      }
      const seen = (flow.client?.bytesRead ?? 0) + flow.bytesUp + flow.bytesDown;
      if (seen !== flow.seenBytes) {
        flow.seenBytes = seen;
        flow.seenAt = now;
      } else if (now - flow.seenAt >= idleMs) {
        flow.seenAt = now;
        flow.onIdle();
      }
    }
  }

  /** Ends the flows whose decision in force cites `orderId`; returns how many. */
  endOrder(orderId: number): number {
    if (!Number.isInteger(orderId) || orderId <= 0) return 0;
    let n = 0;
    for (const flow of [...this.#flows]) {
      if (flow.decision.orderId !== orderId) continue;
      flow.terminate();
      n++;
    }
    return n;
  }

  /**
   * Judges every flow with a known destination against `policy` (synchronously: well within the
   * second allowed). A block ends the flow, its record saying so; a throttle attaches or changes;
   * a lifted throttle detaches. Returns how many flows were ended.
   */
  reevaluate(policy: CompiledPolicy, time: number): number {
    let ended = 0;
    for (const flow of [...this.#flows]) {
      // Not yet judged, or already refused (its 451 or alert is on its way): nothing to end.
      if (flow.facts === null || flow.decision.action === 'block') continue;
      const d = rejudge(policy, flow.identity, flow.facts, time);
      if (d.action === 'block') {
        flow.setDecision(d);
        flow.terminate();
        ended++;
      } else if (d.action !== flow.decision.action || d.orderId !== flow.decision.orderId) {
        flow.setDecision(d);
      } else if (d.action === 'throttle' && d.rateBps !== flow.decision.rateBps) flow.setDecision(d);
    }
    return ended;
  }
}

/**
 * The slowloris deadline of one client connection (RFC 9110 §15.5.9: 408 when a request head
 * does not arrive in time; for TLS, a ClientHello). No timer of its own: arming writes a time,
 * and the proxy's one sweep (LiveTable.sweep, a few times a second) checks every armed deadline.
 * A setTimeout per connection (and its clearTimeout) cost more than the sweep at thousands of
 * connections a second; the deadline fires within one sweep interval (≤ a quarter of `ms`) late.
 */

/** The clock of deadlines and of the sweep: monotonic milliseconds. */
export const sweepClock: () => number = () => performance.now();

/** A deadline armed when a head starts and disarmed when it is complete. */
export class HeadDeadline {
  readonly #ms: number;
  readonly #expired: () => void;
  /** When it expires (sweepClock), or 0 while disarmed. */
  #at = 0;

  /** `expired` runs when a head is still incomplete `ms` after it was armed. */
  constructor(ms: number, expired: () => void) {
    this.#ms = ms;
    this.#expired = expired;
  }

  /** True while a head is being waited for. */
  get armed(): boolean {
    return this.#at !== 0;
  }

  /** Starts the wait for a head, from now. */
  arm(): void {
    this.#at = sweepClock() + this.#ms;
  }

  /** The head arrived. */
  disarm(): void {
    this.#at = 0;
  }

  /** The connection is closing: no more heads. */
  stop(): void {
    this.#at = 0;
  }

  /** Called by the sweep: runs `expired` (once) when the deadline has passed at `now`. */
  check(now: number): void {
    if (this.#at === 0 || now < this.#at) return;
    this.#at = 0;
    this.#expired();
  }
}

/**
 * The slowloris deadline of one client connection (RFC 9110 §15.5.9: 408 when a request head
 * does not arrive in time). One timer per connection, re-armed with `refresh()` for each head:
 * a kept-alive connection makes no timer per request.
 */

/** A deadline armed when a head starts and disarmed when it is complete. */
export class HeadDeadline {
  readonly #ms: number;
  readonly #expired: () => void;
  #timer: NodeJS.Timeout | null = null;
  #armed = false;

  /** `expired` runs when a head is still incomplete `ms` after it was armed. */
  constructor(ms: number, expired: () => void) {
    this.#ms = ms;
    this.#expired = expired;
  }

  /** True while a head is being waited for. */
  get armed(): boolean {
    return this.#armed;
  }

  /** Starts the wait for a head, from now. */
  arm(): void {
    this.#armed = true;
    if (this.#timer !== null) {
      this.#timer.refresh();
      return;
    }
    this.#timer = setTimeout(() => {
      // A disarmed timer may still fire once (it is left running between heads): nothing to do.
      if (!this.#armed) return;
      this.#armed = false;
      this.#expired();
    }, this.#ms);
  }

  /** The head arrived. */
  disarm(): void {
    this.#armed = false;
  }

  /** The connection is closing: no more heads. */
  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#armed = false;
  }
}

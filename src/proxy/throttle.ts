/**
 * Throttles for throttle orders: a token bucket per (order, subscriber, direction), shared
 * fairly by every connection of that subscriber. Dependency-free; the clock and timers are
 * injected so tests drive time.
 *
 * Fairness: a connection asks for at most one slice at a time and asks again, at the tail of
 * the queue, once its slice is written; the queue is served in order, so connections take
 * turns (round robin) whatever their chunk sizes. The bucket may go into debt by one slice,
 * which keeps the long-run rate exact without refusing slices larger than the tokens in hand.
 */

/** Time and timers, injected. */
export interface ThrottleClock {
  /** Milliseconds, monotonic enough for rates (performance.now or Date.now). */
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** The clock of the running process. */
export const SYSTEM_CLOCK: ThrottleClock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A token bucket in bytes: `rate` bytes per second, at most `burst` in hand. */
export class TokenBucket {
  #rate: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;

  /** `initial` tokens in hand (default a full bucket). */
  constructor(rateBps: number, burst: number, now: number, initial = burst) {
    this.#rate = rateBps;
    this.#burst = burst;
    this.#tokens = Math.min(initial, burst);
    this.#last = now;
  }

  /** Tokens in hand at `now` (negative while in debt). */
  tokens(now: number): number {
    if (now > this.#last) {
      this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.#rate) / 1000);
      this.#last = now;
    }
    return this.#tokens;
  }

  /** Spends `n` tokens, possibly into debt. */
  spend(n: number): void {
    this.#tokens -= n;
  }

  /** Milliseconds from `now` until the bucket is out of debt (0 when it is). */
  waitMs(now: number): number {
    const t = this.tokens(now);
    return t > 0 ? 0 : Math.max(1, Math.ceil(((1 - t) * 1000) / this.#rate));
  }

  /** Changes the rate from `now` on. */
  setRate(rateBps: number, now: number): void {
    this.tokens(now);
    this.#rate = rateBps;
  }
}

/** A queued request for one slice; `cancel` withdraws it. */
export interface ThrottleTicket {
  cancel(): void;
}

/** Options of `FairShare`. */
export interface FairShareOptions {
  /** Bytes in hand at most (default a tenth of a second of rate, at least one slice). */
  readonly burst?: number;
  /** Largest grant (default rate/50, between 1 KiB and 16 KiB). */
  readonly slice?: number;
}

interface Waiter {
  want: number;
  grant: (n: number) => void;
  live: boolean;
}

/** One bucket shared by many connections, granting slices round robin. */
export class FairShare {
  readonly #clock: ThrottleClock;
  readonly #bucket: TokenBucket;
  readonly #slice: number;
  #queue: Waiter[] = [];
  #head = 0;
  #timer: unknown = null;
  #pumping = false;
  #rate: number;
  /** Bytes granted so far (for metrics and tests). */
  granted = 0;

  constructor(rateBps: number, clock: ThrottleClock, options: FairShareOptions = {}) {
    this.#clock = clock;
    this.#rate = rateBps;
    this.#slice = options.slice ?? Math.min(16384, Math.max(1024, Math.floor(rateBps / 50)));
    const burst = options.burst ?? Math.max(this.#slice, Math.floor(rateBps / 10));
    // A new share starts with one slice, not a full burst: a throttled flow starts at its rate.
    this.#bucket = new TokenBucket(rateBps, burst, clock.now(), this.#slice);
  }

  /** Connections waiting for a slice. */
  get waiting(): number {
    return this.#queue.length - this.#head;
  }

  /** Asks for up to `want` bytes; `grant(n)` is called once with 1 ≤ n ≤ min(want, slice). */
  request(want: number, grant: (n: number) => void): ThrottleTicket {
    const w: Waiter = { want: Math.max(1, want), grant, live: true };
    this.#queue.push(w);
    // From idle, serve on the next timer tick so connections asking in the same tick take turns.
    if (!this.#pumping && this.#timer === null) this.#timer = this.#clock.setTimer(() => this.#pump(), 0);
    return {
      cancel: () => {
        w.live = false;
      },
    };
  }

  /** Changes the rate; waiting requests are rescheduled. */
  setRate(rateBps: number): void {
    if (rateBps === this.#rate) return;
    this.#rate = rateBps;
    this.#bucket.setRate(rateBps, this.#clock.now());
    this.#reschedule();
  }

  /** Cancels the timer and drops every waiting request. */
  close(): void {
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
    this.#timer = null;
    this.#queue = [];
    this.#head = 0;
  }

  #reschedule(): void {
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
    this.#timer = null;
    if (!this.#pumping) this.#pump();
  }

  // Serves the queue in order while the bucket is out of debt; grants may queue again (at the tail).
  #pump(): void {
    this.#timer = null;
    this.#pumping = true;
    try {
      while (this.#head < this.#queue.length) {
        const now = this.#clock.now();
        if (this.#bucket.tokens(now) <= 0) {
          this.#timer = this.#clock.setTimer(() => this.#pump(), this.#bucket.waitMs(now));
          return;
        }
        const w = this.#queue[this.#head++];
        if (!w.live) continue;
        const n = Math.min(w.want, this.#slice);
        this.#bucket.spend(n);
        this.granted += n;
        w.live = false;
        w.grant(n);
      }
      this.#queue = [];
      this.#head = 0;
    } finally {
      this.#pumping = false;
      this.#compact();
    }
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** Shares keyed by order, subscriber and direction, counted so an unused one is dropped. */
export class ThrottleRegistry {
  readonly #clock: ThrottleClock;
  readonly #shares = new Map<string, { share: FairShare; users: number; rate: number }>();

  constructor(clock: ThrottleClock = SYSTEM_CLOCK) {
    this.#clock = clock;
  }

  /** The share for `key` at `rateBps` (created, or re-rated when the order's rate changed). */
  acquire(key: string, rateBps: number): FairShare {
    let entry = this.#shares.get(key);
    if (entry === undefined) {
      entry = { share: new FairShare(rateBps, this.#clock), users: 0, rate: rateBps };
      this.#shares.set(key, entry);
    } else if (entry.rate !== rateBps) {
      entry.rate = rateBps;
      entry.share.setRate(rateBps);
    }
    entry.users++;
    return entry.share;
  }

  /** Gives back a share taken by `acquire`. */
  release(key: string): void {
    const entry = this.#shares.get(key);
    if (entry === undefined) return;
    if (--entry.users > 0) return;
    entry.share.close();
    this.#shares.delete(key);
  }

  /** Shares in use. */
  get size(): number {
    return this.#shares.size;
  }

  /** Drops every share. */
  close(): void {
    for (const e of this.#shares.values()) e.share.close();
    this.#shares.clear();
  }
}

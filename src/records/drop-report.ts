/**
 * The batcher's drop counter: every record dropped is counted at once, and reported through `onDrop`
 * at most once a second (an alarm, not a flood). `onDrop` must not throw; if it does, it is ignored.
 */

const DROP_REPORT_MS = 1000;

/** Counts drops and rate-limits their reports. */
export class DropReport {
  readonly #now: () => number;
  readonly #onDrop: ((dropped: number, total: number) => void) | undefined;
  /** Records dropped since creation. */
  total = 0;
  #unreported = 0;
  #lastReport = Number.NEGATIVE_INFINITY;

  constructor(now: () => number, onDrop: ((dropped: number, total: number) => void) | undefined) {
    this.#now = now;
    this.#onDrop = onDrop;
  }

  /** Counts `n` dropped records; reports them now if the last report is a second old. */
  drop(n: number): void {
    this.total += n;
    this.#unreported += n;
    this.due();
  }

  /** Reports what was not reported yet if the last report is a second old (or `force`). */
  due(force = false): void {
    const now = this.#now();
    if (this.#unreported === 0 || (!force && now - this.#lastReport < DROP_REPORT_MS)) return;
    const n = this.#unreported;
    this.#unreported = 0;
    this.#lastReport = now;
    try {
      this.#onDrop?.(n, this.total);
    } catch {
      // a report must never reach push or the drain
    }
  }
}

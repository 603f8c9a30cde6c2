/**
 * How a helper thread (the records sink) lets the threads that answer queries in: sched_yield(2)
 * between pieces of its work (native/threads.c says why a nice value or SCHED_IDLE do not do it).
 * Measured at 20k queries/s on 2 cores (docs/records.md): p99 2.35/2.39/2.54 ms without it,
 * 0.93/0.95 ms with it (after a noisy first round).
 */
import { nativeAddon, nativeUnavailable } from './index.js';

/** native/threads.c. */
export interface ThreadsPart {
  /** sched_yield(2) for the calling thread. */
  yieldThread(): void;
}

/** sched_yield(2) through the addon; a no-op without it (`yieldNote` says so). */
export const yieldThisThread: () => void = nativeAddon()?.yieldThread ?? (() => {});

/** What `yieldThisThread` does, for the log. */
export function yieldNote(): string {
  return nativeAddon() === null ? `nothing (${nativeUnavailable()})` : 'sched_yield';
}

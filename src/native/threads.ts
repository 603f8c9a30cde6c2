/**
 * Scheduling for helper threads (the records sink's SQLite writes, the retention job): they run on
 * CPU time the threads that answer queries leave. SCHED_IDLE (native/threads.c) is preempted the
 * moment a DNS or proxy thread wakes; measured at 20k queries/s on 2 cores, it took the gateway's
 * p99 from 2.0–3.0 ms to 1.3–1.7 ms, where the records thread had held the answering thread's core
 * for ~1 ms per batch written. A nice value does not do that (nice 19 measured 1.9–3.0 ms): under
 * EEVDF a running thread keeps the CPU for its slice whatever its weight.
 */
import { setPriority } from 'node:os';
import { nativeAddon, nativeUnavailable } from './index.js';

/** native/threads.c. */
export interface ThreadsPart {
  /** SCHED_IDLE for the calling thread only (Linux: pid 0 is the thread). Throws with the errno's code. */
  setThreadIdle(): void;
}

/**
 * Puts the calling thread behind the answering threads: SCHED_IDLE through the addon, else nice 19
 * (per thread on Linux; elsewhere a nice value is the whole process's, so nothing is changed).
 * Never throws; answers what it did, for the log.
 */
export function backgroundThisThread(): string {
  if (process.platform !== 'linux') return `unchanged (a nice value is per process on ${process.platform})`;
  const addon = nativeAddon();
  let why = nativeUnavailable();
  if (addon !== null) {
    try {
      addon.setThreadIdle();
      return 'SCHED_IDLE';
    } catch (err) {
      why = (err as Error).message;
    }
  }
  try {
    setPriority(19);
    return `nice 19 (no SCHED_IDLE: ${why})`;
  } catch (err) {
    return `unchanged (${why}; nice: ${(err as Error).message})`;
  }
}

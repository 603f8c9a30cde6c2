/**
 * The gateway's resident memory, held down in two ways (docs/dns-workers.md, "Memory", has the figures):
 *
 * - The C heap: every `TRIM_INTERVAL_MS` the arenas' free pages go back to the kernel (malloc_trim
 *   on the thread pool, native/memory.c).
 * - With DNS worker threads, V8's old generations grow by a quarter between full collections
 *   (`WORKERS_HEAP_FLAG`) instead of V8's up to 4x for small heaps: each worker's cache churns
 *   entries that live long enough to be promoted, and they piled up between collections (one
 *   worker's old space at 53 MiB, another's at 20, in the same run). The flag is process-wide and
 *   V8 reads it at each full collection, so it is set at run time when the workers start; on the
 *   main thread alone it stays off: more full collections there are more pauses for every query,
 *   and one thread's memory is within bounds without it.
 */
import { setFlagsFromString } from 'node:v8';
import { trimmer, trimUnavailable } from '../native/memory.js';

/** How often the C heap is trimmed. */
export const TRIM_INTERVAL_MS = 2_000;

/** The V8 flag set when DNS worker threads start. */
export const WORKERS_HEAP_FLAG = '--heap-growing-percent=25';

/**
 * Sets `WORKERS_HEAP_FLAG` unless node was started with a `--heap-growing-percent` of its own
 * (that one stays); says which, for the log.
 */
export function growOldGenerationsSlowly(execArgv: readonly string[] = process.execArgv): string {
  const own = execArgv.find((a) => /^--heap[-_]growing[-_]percent=/.test(a));
  if (own !== undefined) return `${own} (node's command line)`;
  setFlagsFromString(WORKERS_HEAP_FLAG);
  return WORKERS_HEAP_FLAG;
}

/** A running trim schedule. */
export interface MemoryTrim {
  /** What it does, for the start-up log. */
  readonly note: string;
  close(): void;
}

/** Options of `startMemoryTrim`; `trim` is the addon's unless a test gives its own. */
export interface MemoryTrimOptions {
  readonly intervalMs?: number;
  readonly trim?: ((done: (released: boolean, micros: number) => void) => void) | null;
  readonly onTrim?: (released: boolean, micros: number) => void;
}

/** Trims every `intervalMs`, one trim at a time; without the addon, does nothing and says why. */
export function startMemoryTrim(o: MemoryTrimOptions = {}): MemoryTrim {
  const trim = o.trim === undefined ? trimmer() : o.trim;
  const every = o.intervalMs ?? TRIM_INTERVAL_MS;
  if (trim === null) return { note: `off (native addon: ${trimUnavailable()})`, close: () => {} };
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    try {
      trim((released, micros) => {
        running = false;
        o.onTrim?.(released, micros);
      });
    } catch {
      // The addon could not queue the work (out of memory): nothing was trimmed; the next tick tries again.
      running = false;
    }
  };
  const timer = setInterval(tick, every);
  timer.unref();
  return { note: `malloc_trim every ${every} ms on the thread pool`, close: () => clearInterval(timer) };
}

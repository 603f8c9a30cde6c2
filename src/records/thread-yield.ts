/**
 * The records sink thread lets the threads that answer queries in between its statements. How is
 * the native part's (src/native/threads.ts, sched_yield); records import only core, so the
 * composition root passes that module's URL and the worker imports it here.
 */

/** A thread's yield and what it does (for the log). */
export interface ThreadYield {
  readonly yieldThread: () => void;
  readonly note: string;
}

/** Imports `module` (`yieldThisThread`, `yieldNote`); never throws: without it, yielding does nothing. */
export async function loadYield(module: string | undefined): Promise<ThreadYield> {
  if (module === undefined) return { yieldThread: () => {}, note: 'nothing (not asked)' };
  try {
    const m = (await import(module)) as { yieldThisThread(): void; yieldNote(): string };
    return { yieldThread: m.yieldThisThread, note: m.yieldNote() };
  } catch (err) {
    return { yieldThread: () => {}, note: `nothing (${err instanceof Error ? err.message : String(err)})` };
  }
}

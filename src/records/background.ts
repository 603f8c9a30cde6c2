/**
 * The records threads (the SQLite sink, the retention job) run behind the threads that answer
 * queries. How is the native part's (src/native/threads.ts, SCHED_IDLE); records import only core,
 * so the composition root passes that module's URL and each worker imports it here.
 */

/** Imports `module` and calls its `backgroundThisThread()`; answers what was done, never throws. */
export async function runInBackground(module: string | undefined): Promise<string> {
  if (module === undefined) return 'unchanged (not asked)';
  try {
    const m = (await import(module)) as { backgroundThisThread(): string };
    return m.backgroundThisThread();
  } catch (err) {
    return `unchanged (${err instanceof Error ? err.message : String(err)})`;
  }
}

/**
 * The policy compiler's worker thread: opens its own connection to the store, reads the orders
 * in force with their rules, compiles them, and posts back the compiled parts. The domain table
 * is a SharedArrayBuffer, so it reaches the data plane without a copy; the million rule objects
 * the compile needs live and die in this thread's heap, never in the data plane's, and the
 * data plane's event loop never stops for a recompile. One worker serves one compile, then ends.
 */
import { parentPort } from 'node:worker_threads';
import { compilePolicy } from '../policy/compile.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';

/** The one request a worker answers before it ends (see `workerCompiler`). */
export interface CompileRequest {
  readonly storeUrl: string;
  readonly now: number;
}

parentPort?.once('message', async (req: CompileRequest) => {
  let store: Store | null = null;
  try {
    store = await openStore(req.storeUrl);
    const policy = compilePolicy(await store.orders.listActiveWithRules(req.now), req.now);
    parentPort?.postMessage({ parts: policy.parts });
  } catch (err) {
    parentPort?.postMessage({ error: err instanceof Error ? err.message : String(err) });
  } finally {
    await store?.close().catch(() => undefined);
    // Nothing else keeps this thread alive: it ends, and its heap with it.
    parentPort?.close();
  }
});

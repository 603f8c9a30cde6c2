/**
 * The policy compiler's worker thread: opens its own connection to the store, reads the orders
 * in force with their rules, compiles them, and posts back the compiled parts. The domain table
 * is a SharedArrayBuffer, so it reaches the data plane without a copy; the million rule objects
 * the compile needs live and die in this thread's heap, never in the data plane's, and the
 * data plane's event loop never stops for a recompile.
 */
import { parentPort } from 'node:worker_threads';
import { compilePolicy } from '../policy/compile.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';

/** A request to the worker. */
export interface CompileRequest {
  readonly id: number;
  readonly storeUrl: string;
  readonly now: number;
}

let store: Store | null = null;
let storeUrl = '';

parentPort?.on('message', async (req: CompileRequest) => {
  try {
    if (store === null || storeUrl !== req.storeUrl) {
      await store?.close();
      store = await openStore(req.storeUrl);
      storeUrl = req.storeUrl;
    }
    const policy = compilePolicy(await store.orders.listActiveWithRules(req.now), req.now);
    parentPort?.postMessage({ id: req.id, parts: policy.parts });
  } catch (err) {
    parentPort?.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
});

/**
 * Where policy is compiled: in this thread (tests, small policies), or in a worker thread
 * (`gatehouse start`), which keeps the data plane's event loop and heap out of it.
 */
import { Worker } from 'node:worker_threads';
import { CompiledPolicy, compilePolicy } from '../policy/compile.js';
import type { Store } from '../store/types.js';

/** Compiles the orders in force at `now`. */
export type PolicyCompiler = {
  compile(now: number): Promise<CompiledPolicy>;
  close(): Promise<void>;
};

/** Compiles in the calling thread. */
export function inlineCompiler(store: Store): PolicyCompiler {
  return {
    compile: async (now) => compilePolicy(await store.orders.listActiveWithRules(now), now),
    close: async () => undefined,
  };
}

/**
 * Compiles in a worker thread with its own store connection (`storeUrl`), one worker per compile:
 * a million-rule compile leaves a few hundred MiB of garbage in the worker's heap, and a worker
 * kept between compiles would hold that memory (resident, counted against the node) for as long
 * as the node runs. Compiles are rare (a change, or the hourly recompile), so the worker's start
 * (~0.1 s) is cheap beside that.
 */
export function workerCompiler(storeUrl: string): PolicyCompiler {
  const running = new Set<Worker>();
  return {
    compile(now) {
      return new Promise((resolve, reject) => {
        const worker = new Worker(new URL('./compile-worker.js', import.meta.url));
        worker.unref();
        running.add(worker);
        let settled = false;
        const settle = (fn: () => void) => {
          if (settled) return;
          settled = true;
          fn();
        };
        worker.once('message', (m: { parts?: CompiledPolicy['parts']; error?: string }) =>
          settle(() =>
            m.parts
              ? resolve(new CompiledPolicy(m.parts))
              : reject(new Error(`compiling policy in the worker: ${m.error}`)),
          ),
        );
        worker.once('error', (err) => settle(() => reject(err)));
        worker.once('exit', (code) => {
          running.delete(worker);
          settle(() => reject(new Error(`the policy compile worker exited with code ${code}`)));
        });
        worker.postMessage({ storeUrl, now });
      });
    },
    async close() {
      await Promise.all([...running].map((w) => w.terminate()));
      running.clear();
    },
  };
}

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

/** Compiles in a worker thread with its own store connection (`storeUrl`). */
export function workerCompiler(storeUrl: string): PolicyCompiler {
  const worker = new Worker(new URL('./compile-worker.js', import.meta.url));
  worker.unref();
  let next = 1;
  const pending = new Map<number, { resolve: (p: CompiledPolicy) => void; reject: (e: Error) => void }>();
  worker.on('message', (m: { id: number; parts?: CompiledPolicy['parts']; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.parts) p.resolve(new CompiledPolicy(m.parts));
    else p.reject(new Error(`compiling policy in the worker: ${m.error}`));
  });
  worker.on('error', (err) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  });
  return {
    compile(now) {
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, storeUrl, now });
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}

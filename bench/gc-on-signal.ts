/**
 * Preloaded into the gateway by bench/proxy.ts (`node --expose-gc --import
 * ./dist/bench/gc-on-signal.js …`) so memory can be weighed without garbage in the scales: on
 * SIGUSR2 it runs full collections and writes `process.memoryUsage()` as JSON to
 * $GATEHOUSE_BENCH_MEMFILE. Nothing else in the process changes; src/ is untouched.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.GATEHOUSE_BENCH_MEMFILE;
const gc = (globalThis as { gc?: () => void }).gc;
if (file !== undefined && gc !== undefined) {
  let n = 0;
  process.on('SIGUSR2', () => {
    gc();
    gc();
    writeFileSync(file, JSON.stringify({ seq: ++n, ...process.memoryUsage() }));
  });
}

/**
 * Preloaded into the gateway by bench/dns-cpu.ts (`node --import ./dist/bench/dns-loop-delay.js
 * …`) to look for event-loop stalls behind the p99: `perf_hooks.monitorEventLoopDelay` and the
 * GC pauses a PerformanceObserver sees, reset on SIGWINCH (start of a measured window) and
 * written as JSON to $GATEHOUSE_BENCH_LOOPFILE on SIGUSR2 (its end). src/ is untouched.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const file = process.env.GATEHOUSE_BENCH_LOOPFILE;
if (file !== undefined) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  let gcCount = 0;
  let gcMs = 0;
  let gcMaxMs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcCount++;
      gcMs += e.duration;
      gcMaxMs = Math.max(gcMaxMs, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('SIGWINCH', () => {
    h.reset();
    gcCount = 0;
    gcMs = 0;
    gcMaxMs = 0;
  });
  process.on('SIGUSR2', () => {
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    writeFileSync(
      file,
      JSON.stringify({
        delayP50Ms: ms(h.percentile(50)),
        delayP99Ms: ms(h.percentile(99)),
        delayMaxMs: ms(h.max),
        gcCount,
        gcMs: Math.round(gcMs),
        gcMaxMs: Math.round(gcMaxMs * 100) / 100,
      }),
    );
  });
}

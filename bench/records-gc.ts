/**
 * Garbage collections of the main thread during a records run, from perf_hooks `gc` entries:
 * scavenges (minor) and mark-compacts (major) with their count and total pause. Records that live
 * in the batcher until their batch is written survive scavenges and are promoted, which costs the
 * data plane's thread pauses (and DNS p99): this is how a run shows it.
 */
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

/** Counts and pause totals by kind since `start`. */
export interface GcFigures {
  readonly scavenges: number;
  readonly scavengeMs: number;
  readonly majors: number;
  readonly majorMs: number;
}

/** A running GC tally: `stop()` returns the figures and disconnects. */
export function trackGc(): { stop(): GcFigures } {
  const f = { scavenges: 0, scavengeMs: 0, majors: 0, majorMs: 0 };
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      const kind = e.detail?.kind ?? 0;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        f.scavenges++;
        f.scavengeMs += e.duration;
      } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        f.majors++;
        f.majorMs += e.duration;
      }
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      obs.disconnect();
      return { ...f };
    },
  };
}

/** One line of GC figures. */
export function gcLine(g: GcFigures): string {
  return (
    `GC (main thread): ${g.scavenges} scavenges ${g.scavengeMs.toFixed(0)} ms, ` +
    `${g.majors} mark-compacts ${g.majorMs.toFixed(0)} ms`
  );
}

/**
 * DNS metrics across threads. In a worker, `createWorkerCounters` stands in for the prom-client
 * metrics the DNS service bumps (only the five it uses) and hands out what changed since the last
 * report; on main, `applyDeltas` adds a worker's report to the real metrics, so `/metrics` and the
 * console's series count worker queries like any other. Label values are the service's own
 * (transports, rcodes, verdicts, configured ISPs and upstreams): bounded, never a name.
 */
import type { Metrics } from '../../telemetry/metrics.js';
import type { MetricDeltas } from './messages.js';

/** Upstream round-trip samples kept per report; more are left out (the histogram is a sample then). */
export const RTT_SAMPLES = 2048;

type Labels = Record<string, string>;

/** A counter keyed by its label values in a fixed order. */
class Tally {
  readonly #names: readonly string[];
  readonly counts = new Map<string, { values: string[]; n: number }>();
  /** Set by the DNS service (service.ts `flushOnCollect`) to flush its own sums first. */
  collect?: () => unknown;

  constructor(names: readonly string[]) {
    this.#names = names;
  }

  labels(l: Labels): { inc(n?: number): void } {
    const values = this.#names.map((k) => l[k] ?? '');
    const key = values.join('\0');
    let slot = this.counts.get(key);
    if (slot === undefined) {
      slot = { values, n: 0 };
      this.counts.set(key, slot);
    }
    const s = slot;
    return {
      inc(n = 1) {
        s.n += n;
      },
    };
  }

  inc(l: Labels, n = 1): void {
    this.labels(l).inc(n);
  }

  /** What was counted since the last drain, as [...labelValues, n] rows. */
  drain(): (string | number)[][] {
    this.collect?.();
    const rows: (string | number)[][] = [];
    for (const slot of this.counts.values()) {
      if (slot.n === 0) continue;
      rows.push([...slot.values, slot.n]);
      slot.n = 0;
    }
    return rows;
  }
}

/** A worker's stand-in metrics and its report of what changed. */
export interface WorkerCounters {
  /** Pass as the DNS service's `metrics` (only the DNS members exist). */
  readonly metrics: Metrics;
  /** What changed since the last call (with the records dropped meanwhile), or null when nothing did. */
  drain(recordsDropped: number): MetricDeltas | null;
}

/** Builds the worker-side counters. */
export function createWorkerCounters(): WorkerCounters {
  const queries = new Tally(['transport', 'rcode', 'verdict', 'isp']);
  const cache = new Tally(['result']);
  const errors = new Tally(['transport', 'kind']);
  const connections = new Tally(['transport']);
  const rtt = new Map<string, number[]>();
  let rttKept = 0;
  const stand = {
    dnsQueries: queries,
    dnsCache: cache,
    dnsErrors: errors,
    dnsConnections: connections,
    dnsUpstreamSeconds: {
      observe(l: Labels, seconds: number) {
        if (rttKept >= RTT_SAMPLES) return;
        rttKept++;
        const upstream = l.upstream ?? '';
        const list = rtt.get(upstream);
        if (list) list.push(seconds);
        else rtt.set(upstream, [seconds]);
      },
    },
  };
  return {
    // Only the DNS members exist: the worker runs nothing else that reports metrics.
    metrics: stand as unknown as Metrics,
    drain(recordsDropped) {
      const d: MetricDeltas = {
        queries: queries.drain() as unknown as MetricDeltas['queries'],
        cache: cache.drain() as unknown as MetricDeltas['cache'],
        errors: errors.drain() as unknown as MetricDeltas['errors'],
        connections: connections.drain() as unknown as MetricDeltas['connections'],
        rtt: [...rtt.entries()],
        recordsDropped,
      };
      rtt.clear();
      rttKept = 0;
      const empty =
        d.queries.length + d.cache.length + d.errors.length + d.connections.length + d.rtt.length === 0;
      return empty && recordsDropped === 0 ? null : d;
    },
  };
}

/** Adds a worker's report to main's metrics; returns the queries it answered. */
export function applyDeltas(m: Metrics, d: MetricDeltas): number {
  let answered = 0;
  for (const [transport, rcode, verdict, isp, n] of d.queries) {
    m.dnsQueries.inc({ transport, rcode, verdict, isp }, n);
    answered += n;
  }
  for (const [result, n] of d.cache) m.dnsCache.inc({ result }, n);
  for (const [transport, kind, n] of d.errors) m.dnsErrors.inc({ transport, kind }, n);
  for (const [transport, n] of d.connections) m.dnsConnections.inc({ transport }, n);
  for (const [upstream, samples] of d.rtt)
    for (const s of samples) m.dnsUpstreamSeconds.observe({ upstream }, s);
  if (d.recordsDropped > 0) m.recordsDropped.inc({ kind: 'dns' }, d.recordsDropped);
  return answered;
}

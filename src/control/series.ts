/**
 * The dashboard's time series: every 10 s the gateway's own prom-client registry (the numbers
 * /metrics serves) is read and the cumulative totals kept in a one-hour ring; a series is the
 * per-second rate between consecutive samples. Where each value comes from:
 *
 *   queries          gatehouse_dns_queries_total (all labels)
 *   blocked          gatehouse_dns_queries_total{verdict="block"} + gatehouse_proxy_connections_total{verdict="block"}
 *   throttled        gatehouse_proxy_connections_total{verdict="throttle"}
 *   connections      gatehouse_proxy_connections_total (counted when a connection ends)
 *   cacheHitRatio    Δ gatehouse_dns_cache_total{result="hit"|"stale"} / Δ all results (0..1, not a rate)
 *   upstreamLatencyMs Δ gatehouse_dns_upstream_seconds_sum / Δ _count × 1000 (mean, not a rate)
 *   recordsSpooled   the record batchers' spooled counts (node details), per second
 *   recordsDropped   gatehouse_records_dropped_total
 *   perIsp[isp]      queries and blocked DNS answers per ISP (gatehouse_dns_queries_total{isp});
 *                    clients of no known ISP (`isp="none"`) count in the totals only
 */
import type { Registry } from 'prom-client';

/** Seconds between samples. */
export const SERIES_STEP_S = 10;
const CAPACITY = 3600 / SERIES_STEP_S + 1;

type Totals = Record<string, number>;
interface Sample {
  at: number;
  totals: Totals;
  perIsp: Record<string, Totals>;
}

/** What `read` returns (the contract's GET /api/metrics/series). */
export interface SeriesView {
  step: number;
  start: number;
  series: Record<string, (number | null)[]>;
  perIsp: Record<string, Record<string, (number | null)[]>>;
}

/** The sampler. */
export interface MetricsSeries {
  /** Takes one sample now (the timer calls it; tests call it directly). */
  sample(): Promise<void>;
  read(minutes: number): SeriesView;
  start(): void;
  stop(): void;
}

const RATES = ['queries', 'blocked', 'throttled', 'connections', 'recordsSpooled', 'recordsDropped'];

type MetricJson = {
  name: string;
  values: { value: number; labels: Record<string, string | number>; metricName?: string }[];
};

function totalsOf(
  metrics: MetricJson[],
  spooled: number,
): { totals: Totals; perIsp: Record<string, Totals> } {
  const t: Totals = { recordsSpooled: spooled };
  const perIsp: Record<string, Totals> = {};
  const add = (key: string, v: number, isp?: unknown) => {
    t[key] = (t[key] ?? 0) + v;
    // `none`: the client's address belongs to no known ISP (no prefix, no lease).
    if (typeof isp === 'string' && isp !== 'none') {
      perIsp[isp] ??= {};
      perIsp[isp][key] = (perIsp[isp][key] ?? 0) + v;
    }
  };
  for (const m of metrics) {
    for (const { value, labels, metricName } of m.values) {
      if (m.name === 'gatehouse_dns_queries_total') {
        add('queries', value, labels.isp);
        if (labels.verdict === 'block') add('blocked', value, labels.isp);
      } else if (m.name === 'gatehouse_proxy_connections_total') {
        add('connections', value, labels.isp);
        if (labels.verdict === 'block') add('blocked', value, labels.isp);
        if (labels.verdict === 'throttle') add('throttled', value, labels.isp);
      } else if (m.name === 'gatehouse_dns_cache_total') {
        add('cacheAll', value);
        if (labels.result === 'hit' || labels.result === 'stale') add('cacheHit', value);
      } else if (m.name === 'gatehouse_dns_upstream_seconds') {
        if (metricName?.endsWith('_sum')) add('upstreamSum', value);
        if (metricName?.endsWith('_count')) add('upstreamCount', value);
      } else if (m.name === 'gatehouse_records_dropped_total') add('recordsDropped', value);
    }
  }
  return { totals: t, perIsp };
}

const ratio = (num: number, den: number) => (den > 0 ? num / den : null);

function point(key: string, a: Totals, b: Totals, seconds: number): number | null {
  const d = (k: string) => Math.max(0, (b[k] ?? 0) - (a[k] ?? 0));
  if (key === 'cacheHitRatio') return ratio(d('cacheHit'), d('cacheAll'));
  if (key === 'upstreamLatencyMs') {
    const r = ratio(d('upstreamSum'), d('upstreamCount'));
    return r === null ? null : r * 1000;
  }
  return seconds > 0 ? d(key) / seconds : null;
}

/** Creates the sampler over `registry`; `spooled` reads the batchers' spooled totals. */
export function createMetricsSeries(
  registry: Registry,
  clock: () => number,
  spooled: () => number = () => 0,
): MetricsSeries {
  const ring: Sample[] = [];
  let timer: NodeJS.Timeout | null = null;
  return {
    async sample() {
      const metrics = (await registry.getMetricsAsJSON()) as unknown as MetricJson[];
      ring.push({ at: clock(), ...totalsOf(metrics, spooled()) });
      if (ring.length > CAPACITY) ring.shift();
    },
    read(minutes) {
      const n = Math.min(ring.length - 1, Math.ceil((minutes * 60) / SERIES_STEP_S));
      const pairs = n <= 0 ? [] : ring.slice(-n - 1);
      const keys = [...RATES, 'cacheHitRatio', 'upstreamLatencyMs'];
      const series: SeriesView['series'] = {};
      for (const key of keys) series[key] = [];
      const perIsp: SeriesView['perIsp'] = {};
      for (let i = 1; i < pairs.length; i++) {
        const [a, b] = [pairs[i - 1], pairs[i]];
        const seconds = (b.at - a.at) / 1000;
        for (const key of keys) series[key].push(point(key, a.totals, b.totals, seconds));
        for (const isp of Object.keys(b.perIsp)) {
          perIsp[isp] ??= { queries: [], blocked: [] };
          for (const key of ['queries', 'blocked'])
            perIsp[isp][key].push(point(key, a.perIsp[isp] ?? {}, b.perIsp[isp], seconds));
        }
      }
      return { step: SERIES_STEP_S, start: pairs[0]?.at ?? clock(), series, perIsp };
    },
    start() {
      if (timer) return;
      void this.sample().catch(() => undefined);
      timer = setInterval(() => void this.sample().catch(() => undefined), SERIES_STEP_S * 1000);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

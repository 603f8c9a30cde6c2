import { describe, expect, it } from 'vitest';
import { createMetrics } from '../telemetry/metrics.js';
import { createMetricsSeries } from './series.js';

describe('metrics series', () => {
  it('gives per-second rates per ISP, and keeps clients of no known ISP in the totals only', async () => {
    const metrics = createMetrics();
    let now = 1_000_000;
    const series = createMetricsSeries(metrics.registry, () => now);
    const q = (verdict: string, isp: string, n: number) =>
      metrics.dnsQueries.inc({ transport: 'udp', rcode: '0', verdict, isp }, n);
    await series.sample();
    q('allow', 'isp-a', 100);
    q('block', 'isp-a', 20);
    q('allow', 'isp-b', 50);
    q('allow', 'none', 30);
    now += 10_000;
    await series.sample();
    const view = series.read(60);
    expect(view.series.queries).toEqual([20]);
    expect(view.series.blocked).toEqual([2]);
    expect(view.perIsp).toEqual({
      'isp-a': { queries: [12], blocked: [2] },
      'isp-b': { queries: [5], blocked: [0] },
    });
  });
});

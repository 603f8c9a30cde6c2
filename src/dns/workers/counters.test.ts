import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../telemetry/metrics.js';
import { applyDeltas, createWorkerCounters, RTT_SAMPLES } from './counters.js';

const value = async (m: ReturnType<typeof createMetrics>, name: string) =>
  (await m.registry.getSingleMetric(name)?.get())?.values ?? [];

describe('worker counters', () => {
  it('carries what a worker counted into main’s metrics, once', async () => {
    const w = createWorkerCounters();
    const q = w.metrics.dnsQueries.labels({ transport: 'udp', rcode: '0', verdict: 'none', isp: 'none' });
    q.inc(3);
    w.metrics.dnsCache.labels({ result: 'hit' }).inc(2);
    w.metrics.dnsErrors.inc({ transport: 'tcp', kind: 'framing' });
    w.metrics.dnsConnections.inc({ transport: 'tcp' }, 1);
    for (let i = 0; i < RTT_SAMPLES + 10; i++) w.metrics.dnsUpstreamSeconds.observe({ upstream: 'u' }, 0.001);
    const main = createMetrics();
    const d = w.drain(5);
    expect(d?.rtt[0]?.[1]).toHaveLength(RTT_SAMPLES);
    expect(applyDeltas(main, d as NonNullable<typeof d>)).toBe(3);
    expect(await value(main, 'gatehouse_dns_queries_total')).toEqual([
      { value: 3, labels: { transport: 'udp', rcode: '0', verdict: 'none', isp: 'none' } },
    ]);
    expect((await value(main, 'gatehouse_records_dropped_total'))[0]?.value).toBe(5);
    expect((await value(main, 'gatehouse_dns_connections'))[0]?.value).toBe(1);
    expect(w.drain(0)).toBeNull();
  });

  it('flushes the service’s own sums (its collect hook) before reporting', () => {
    const w = createWorkerCounters();
    let pending = 4;
    const child = w.metrics.dnsQueries.labels({ transport: 'udp', rcode: '3', verdict: 'block', isp: 'a' });
    (w.metrics.dnsQueries as unknown as { collect: () => void }).collect = () => {
      child.inc(pending);
      pending = 0;
    };
    expect(w.drain(0)?.queries).toEqual([['udp', '3', 'block', 'a', 4]]);
  });
});

/**
 * Prometheus metrics: one registry per process (passed in, never the global default), and the
 * gateway's own metrics defined in one place so their labels stay bounded (never a name or an
 * address as a label: transports, rcodes, verdicts and kinds only).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's metrics. */
export interface Metrics {
  readonly registry: Registry;
  readonly policyRules: Gauge<'kind'>;
  readonly policyOrders: Gauge;
  readonly policyCompileSeconds: Gauge;
  readonly dnsQueries: Counter<'transport' | 'rcode' | 'verdict' | 'isp'>;
  readonly dnsCache: Counter<'result'>;
  readonly dnsErrors: Counter<'transport' | 'kind'>;
  readonly dnsUpstreamSeconds: Histogram<'upstream'>;
  readonly dnsConnections: Gauge<'transport'>;
  readonly proxyConnections: Counter<'listener' | 'verdict'>;
  readonly proxyBytes: Counter<'direction'>;
  readonly proxyThrottledBytes: Counter;
  readonly proxyActive: Gauge<'listener'>;
  readonly proxyErrors: Counter<'listener' | 'kind'>;
  readonly radiusRequests: Counter<'status'>;
  readonly radiusDropped: Counter<'reason'>;
  readonly memoryTrims: Counter<'released'>;
  readonly memoryTrimSeconds: Counter;
  readonly recordsDropped: Counter<'kind'>;
  readonly recordsWritten: Counter<'kind'>;
  readonly retentionDeleted: Counter<'kind'>;
  readonly retentionKeysDestroyed: Counter;
  readonly retentionRuns: Counter<'result'>;
}

/** Creates the registry and every metric, with Node's process metrics under `gatehouse_`. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' });
  const registers = [registry];
  return {
    registry,
    policyRules: new Gauge({
      name: 'gatehouse_policy_rules',
      help: 'Compiled rules by kind.',
      labelNames: ['kind'],
      registers,
    }),
    policyOrders: new Gauge({
      name: 'gatehouse_policy_orders',
      help: 'Orders in the compiled policy.',
      registers,
    }),
    policyCompileSeconds: new Gauge({
      name: 'gatehouse_policy_compile_seconds',
      help: 'Time the last compile took.',
      registers,
    }),
    dnsQueries: new Counter({
      name: 'gatehouse_dns_queries_total',
      help: 'DNS queries answered, by transport, rcode and verdict.',
      labelNames: ['transport', 'rcode', 'verdict', 'isp'],
      registers,
    }),
    dnsCache: new Counter({
      name: 'gatehouse_dns_cache_total',
      help: 'Cache lookups by result (hit, stale, miss).',
      labelNames: ['result'],
      registers,
    }),
    dnsErrors: new Counter({
      name: 'gatehouse_dns_errors_total',
      help: 'Malformed, refused or failed DNS traffic, by transport and kind.',
      labelNames: ['transport', 'kind'],
      registers,
    }),
    dnsUpstreamSeconds: new Histogram({
      name: 'gatehouse_dns_upstream_seconds',
      help: 'Upstream round-trip time (the configured upstreams are few: a bounded label).',
      labelNames: ['upstream'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
      registers,
    }),
    dnsConnections: new Gauge({
      name: 'gatehouse_dns_connections',
      help: 'Open TCP/DoT/DoH connections.',
      labelNames: ['transport'],
      registers,
    }),
    proxyConnections: new Counter({
      name: 'gatehouse_proxy_connections_total',
      help: 'Proxied connections, by listener and verdict, counted at their end.',
      labelNames: ['listener', 'verdict'],
      registers,
    }),
    proxyBytes: new Counter({
      name: 'gatehouse_proxy_bytes_total',
      help: 'Bytes relayed, by direction.',
      labelNames: ['direction'],
      registers,
    }),
    proxyThrottledBytes: new Counter({
      name: 'gatehouse_proxy_throttled_bytes_total',
      help: 'Bytes that passed through a throttle.',
      registers,
    }),
    proxyActive: new Gauge({
      name: 'gatehouse_proxy_connections',
      help: 'Open proxied connections.',
      labelNames: ['listener'],
      registers,
    }),
    proxyErrors: new Counter({
      name: 'gatehouse_proxy_errors_total',
      help: 'Proxy errors by listener and kind.',
      labelNames: ['listener', 'kind'],
      registers,
    }),
    radiusRequests: new Counter({
      name: 'gatehouse_radius_requests_total',
      help: 'RADIUS accounting requests applied, by status type.',
      labelNames: ['status'],
      registers,
    }),
    radiusDropped: new Counter({
      name: 'gatehouse_radius_dropped_total',
      help: 'RADIUS datagrams dropped unanswered, by reason (bad authenticator, unknown client, malformed…).',
      labelNames: ['reason'],
      registers,
    }),
    memoryTrims: new Counter({
      name: 'gatehouse_memory_trims_total',
      help: 'malloc_trim runs (src/main/memory.ts), by whether pages went back to the kernel.',
      labelNames: ['released'],
      registers,
    }),
    memoryTrimSeconds: new Counter({
      name: 'gatehouse_memory_trim_seconds_total',
      help: 'Time malloc_trim took, on the thread pool.',
      registers,
    }),
    recordsDropped: new Counter({
      name: 'gatehouse_records_dropped_total',
      help: 'Records lost (queue and spool full).',
      labelNames: ['kind'],
      registers,
    }),
    recordsWritten: new Counter({
      name: 'gatehouse_records_written_total',
      help: 'Records written to the store.',
      labelNames: ['kind'],
      registers,
    }),
    retentionDeleted: new Counter({
      name: 'gatehouse_retention_deleted_total',
      help: 'Expired records deleted by the retention job, by kind (dns, flow, lease).',
      labelNames: ['kind'],
      registers,
    }),
    retentionKeysDestroyed: new Counter({
      name: 'gatehouse_retention_keys_destroyed_total',
      help: 'Pseudonym epoch keys destroyed by the retention job.',
      registers,
    }),
    retentionRuns: new Counter({
      name: 'gatehouse_retention_runs_total',
      help: 'Retention job runs, by result (ok, error).',
      labelNames: ['result'],
      registers,
    }),
  };
}

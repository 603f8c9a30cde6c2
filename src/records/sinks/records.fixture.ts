/** Test fixtures: deterministic DNS query and flow records (every field set, in declaration order). */
import type { DnsQueryRecord, FlowRecord } from '../types.js';

/** The i-th DNS query record, 1 ms apart from `t0`; every field varies with i. */
export function dnsRecordAt(i: number, t0 = 1_700_000_000_000): DnsQueryRecord {
  return {
    time: t0 + i,
    clientAddress:
      i % 2 === 0 ? `10.0.${(i >> 8) & 255}.${i & 255}` : `2001:db8::${(i & 0xffff).toString(16)}`,
    clientPort: i % 5 === 0 ? null : 1024 + (i % 60_000),
    transport: (['udp', 'tcp', 'dot', 'doh'] as const)[i % 4] ?? 'udp',
    isp: `isp-${i % 3}`,
    subscriber: i % 7 === 0 ? null : `p${i % 1000}`,
    qname: `host${i % 100}.example.com`,
    qtype: i % 2 === 0 ? 1 : 28,
    rcode: i % 11 === 0 ? 3 : 0,
    verdict: i % 11 === 0 ? 'block' : 'none',
    orderId: i % 11 === 0 ? 42 : 0,
    ruleId: i % 11 === 0 ? 7 : -1,
    cacheHit: i % 3 === 0,
    upstream: i % 3 === 0 ? null : '127.0.0.1:5353',
    latencyUs: 100 + i,
    ede: i % 11 === 0 ? 16 : null,
  };
}

/** The i-th flow record. */
export function flowRecordAt(i: number, t0 = 1_700_000_000_000): FlowRecord {
  return {
    start: t0 + i,
    end: t0 + i + 250,
    clientAddress: `10.1.0.${i & 255}`,
    isp: 'isp-a',
    subscriber: i % 2 === 0 ? null : `p${i}`,
    listener: (['http', 'connect', 'tls-sni'] as const)[i % 3] ?? 'http',
    destinationName: i % 4 === 0 ? null : `site${i % 10}.example`,
    destinationAddress: i % 5 === 0 ? null : '192.0.2.1',
    port: i % 2 === 0 ? 443 : 80,
    bytesUp: i * 10,
    bytesDown: i * 1000,
    verdict: i % 6 === 0 ? 'throttle' : 'allow',
    orderId: i % 6 === 0 ? 9 : 0,
    throttled: i % 6 === 0,
    ech: i % 8 === 0,
  };
}

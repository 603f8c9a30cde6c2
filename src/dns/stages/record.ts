/**
 * Record: every query leaves one record (time, client, ISP, name, type, rcode, verdict, order,
 * cache, upstream, latency, EDE) in the bounded batcher. Pushing never waits and never throws;
 * what the batcher cannot keep is counted there.
 */
import type { DnsEnv, Exchange } from '../exchange.js';

/** Writes the record of a finished exchange (also for dropped and malformed queries). */
export function record(x: Exchange, env: DnsEnv): void {
  const r = x.response;
  env.record({
    time: x.ctx.received,
    clientAddress: x.ctx.clientAddress,
    clientPort: x.ctx.clientPort,
    transport: x.ctx.transport,
    isp: x.identity?.isp ?? '',
    subscriber: x.identity?.subscriber ?? null,
    qname: x.name,
    qtype: x.query?.qtype ?? 0,
    rcode: r === null ? -1 : r[3] & 0x0f,
    verdict: x.decision.action,
    orderId: x.decision.orderId,
    ruleId: x.decision.ruleId,
    cacheHit: x.cacheHit,
    upstream: x.upstream,
    latencyUs: Math.round((performance.now() - x.started) * 1000),
    ede: x.ede,
  });
}

/**
 * Hit counts per order for the console and the register: every record that names an order is
 * counted by where it was enforced (DNS, plaintext HTTP, TLS by SNI/CONNECT). In memory, since this
 * process started: no identities, one map entry per order. The records database keeps the rest.
 */
import type { OrderHits } from '../portal/plugin.js';
import type { DnsQueryRecord, FlowRecord } from '../records/types.js';

/** The counter. */
export interface HitCounter {
  dns(r: DnsQueryRecord): void;
  flow(r: FlowRecord): void;
  read(): ReadonlyMap<number, OrderHits>;
}

/** Creates an empty counter. */
export function createHitCounter(): HitCounter {
  const hits = new Map<number, { dns: number; http: number; tls: number; throttled: number }>();
  const of = (id: number) => {
    const h = hits.get(id) ?? { dns: 0, http: 0, tls: 0, throttled: 0 };
    hits.set(id, h);
    return h;
  };
  return {
    dns(r) {
      if (r.orderId > 0 && r.verdict !== 'allow') of(r.orderId).dns++;
    },
    flow(r) {
      if (r.orderId <= 0 || r.verdict === 'allow') return;
      const h = of(r.orderId);
      if (r.listener === 'http') h.http++;
      else h.tls++;
      if (r.throttled) h.throttled++;
    },
    read: () => hits,
  };
}

/**
 * The records benchmark's synthetic producer: DNS query records made as the DNS pipeline makes them
 * (one object literal per query, every field), pushed on the main thread in bursts per event-loop
 * turn as a busy listener does, at a fixed rate. With the DNS service running, the rate is the
 * offered total: the producer tops up what the real queries recorded so far, so that
 * DNS records + synthetic records = rate × elapsed time at every turn.
 */
import type { DnsQueryRecord, DnsTransport } from '../src/records/types.js';
import { seededRandom } from './seeded-names.js';

const TRANSPORTS: readonly DnsTransport[] = ['udp', 'udp', 'udp', 'tcp', 'dot', 'doh'];
const random = seededRandom(7);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
/**
 * Flat strings, as the gateway's are (names decoded with `Buffer#toString`, addresses from the socket,
 * pseudonyms from a digest): a template literal makes a V8 cons string (a rope), which every copy
 * (structured clone, join) must flatten first and which no real record carries.
 */
const flat = (s: string): string => Buffer.from(s, 'latin1').toString('latin1');
const NAMES = Array.from({ length: 50_000 }, (_, i) => flat(`host${i}.example${i % 97}.com`));
const CLIENTS = Array.from({ length: 65_536 }, (_, i) =>
  flat(`10.${(i >> 8) & 255}.${i & 255}.${(i * 7) & 255}`),
);
const PSEUDONYMS = Array.from({ length: 65_536 }, (_, i) => flat(`p${i.toString(36).padStart(21, 'x')}`));

/** One record as src/dns/stages/record.ts makes it: one object literal, every field, declaration order. */
export function syntheticRecord(i: number, now: number): DnsQueryRecord {
  const blocked = i % 23 === 0;
  return {
    time: now,
    clientAddress: CLIENTS[i & 65_535] as string,
    clientPort: 1024 + (i % 60_000),
    transport: TRANSPORTS[i % TRANSPORTS.length] as DnsTransport,
    isp: `isp-${i & 7}`,
    subscriber: i % 5 === 0 ? null : (PSEUDONYMS[(i * 31) & 65_535] as string),
    qname: pick(NAMES),
    qtype: i % 3 === 0 ? 28 : 1,
    rcode: blocked ? 3 : 0,
    verdict: blocked ? 'block' : 'none',
    orderId: blocked ? 17 : 0,
    ruleId: blocked ? 4242 : -1,
    cacheHit: i % 4 !== 0,
    upstream: i % 4 === 0 ? '192.0.2.53:53' : null,
    latencyUs: 80 + (i % 900),
    ede: blocked ? 16 : null,
  };
}

/** What the producer is asked to do. */
export interface ProduceOptions {
  /** Records per second offered in total (0: as fast as possible, `total` records: overload). */
  readonly rate: number;
  readonly seconds: number;
  /** At most this many synthetic records per event-loop turn. */
  readonly burst: number;
  /** For rate 0: how many to push. */
  readonly total?: number;
  /** Records other producers (the DNS service) have pushed since the start; the producer tops up. */
  readonly others?: () => number;
}

/** What the producer did. */
export interface Produced {
  /** Synthetic records pushed. */
  readonly pushed: number;
  /** From the first to the last push. */
  readonly seconds: number;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

/**
 * Pushes synthetic records into `push` so that, at every turn, synthetic + `others()` reaches
 * `rate` × elapsed (never more than `burst` per turn, yielding between bursts so I/O is served).
 */
export async function produce(push: (r: DnsQueryRecord) => void, o: ProduceOptions): Promise<Produced> {
  const others = o.others ?? (() => 0);
  const overload = o.rate === 0;
  const total = overload ? (o.total ?? 0) : Math.round(o.rate * o.seconds);
  const t0 = performance.now();
  let i = 0;
  for (;;) {
    const elapsed = (performance.now() - t0) / 1000;
    const done = overload ? i >= total : elapsed >= o.seconds;
    const due = overload ? total : Math.floor(Math.min(elapsed, o.seconds) * o.rate) - others();
    if (due > i) {
      const now = Date.now();
      const end = Math.min(due, i + o.burst);
      for (; i < end; i++) push(syntheticRecord(i, now));
      await tick();
    } else if (done) break;
    else await sleep();
  }
  return { pushed: i, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Resolution through the cache and the upstreams: builds a clean upstream query (our EDNS
 * buffer, the client's DO and CD bits, no client options: ECS never leaves, RFC 7871 §11.1),
 * caches the raw answer, and serves stale answers when every upstream fails (RFC 8767).
 */
import { cacheKey } from './cache.js';
import type { DnsEnv } from './exchange.js';
import { TYPE } from './wire/constants.js';
import { nameToLabels } from './wire/name.js';

const RD = 0x0100;
const CD = 0x0010;

/** Builds an upstream query for `name`/`qtype` with a fresh OPT (udp size, DO bit). */
export function upstreamQuery(
  name: string,
  qtype: number,
  qclass: number,
  dnssecOk: boolean,
  cd: boolean,
  udpSize: number,
): Buffer {
  const labels = nameToLabels(name) ?? [];
  const qname = Buffer.alloc(labels.reduce((n, l) => n + 1 + l.length, 1));
  let o = 0;
  for (const l of labels) {
    qname[o++] = l.length;
    qname.set(l, o);
    o += l.length;
  }
  const out = Buffer.alloc(12 + qname.length + 4 + 11);
  out.writeUInt16BE(0, 0);
  out.writeUInt16BE(RD | (cd ? CD : 0), 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(1, 10);
  qname.copy(out, 12);
  let p = 12 + qname.length;
  out.writeUInt16BE(qtype, p);
  out.writeUInt16BE(qclass, p + 2);
  p += 4;
  // OPT RR (RFC 6891 §6.1.2): root owner, type 41, CLASS = UDP size, TTL = ext-rcode|version|DO.
  out[p] = 0;
  out.writeUInt16BE(TYPE.OPT, p + 1);
  out.writeUInt16BE(udpSize, p + 3);
  out.writeUInt32BE(dnssecOk ? 0x8000 : 0, p + 5);
  out.writeUInt16BE(0, p + 9);
  return out;
}

/** A resolved answer: raw bytes (the cache's copy or the upstream's), and where it came from. */
export interface Resolved {
  readonly response: Buffer;
  readonly cacheHit: boolean;
  readonly stale: boolean;
  readonly upstream: string | null;
}

/** What is asked of the cache and the upstreams. */
export interface Question {
  readonly name: string;
  readonly qtype: number;
  readonly qclass: number;
  readonly dnssecOk: boolean;
  readonly cd: boolean;
}

/** The options of every cache read here, one object reset per call (`get` reads it at once). */
const GET = { id: 0 };

/** Fresh answer from the cache, or null. Triggers a background refresh of popular entries near expiry. */
export function fromCache(env: DnsEnv, q: Question, id: number): Resolved | null {
  const response = cachedResponse(env, q.name, q.qtype, q.qclass, q.dnssecOk, q.cd, id);
  return response === null ? null : { response, cacheHit: true, stale: false, upstream: null };
}

/**
 * `fromCache` for the resolve stage, which answers most queries from here: the question as
 * arguments and the bare answer, so a hit builds no question or result object.
 */
export function cachedResponse(
  env: DnsEnv,
  name: string,
  qtype: number,
  qclass: number,
  dnssecOk: boolean,
  cd: boolean,
  id: number,
): Buffer | null {
  if (!env.cache) return null;
  const key = cacheKey(name, qtype, qclass, dnssecOk);
  GET.id = id;
  const hit = env.cache.get(key, GET);
  if (!hit) return null;
  if (hit.prefetch) void refresh(env, { name, qtype, qclass, dnssecOk, cd }, key);
  return hit.response;
}

async function refresh(env: DnsEnv, q: Question, key: string): Promise<void> {
  try {
    const { response } = await env.forward(
      upstreamQuery(q.name, q.qtype, q.qclass, q.dnssecOk, q.cd, env.settings.ednsBufferSize),
    );
    env.cache?.set(key, response);
  } catch {
    // A failed prefetch leaves the entry to expire normally.
  }
}

/** Asks the upstreams (after a cache miss); on failure serves stale, else rethrows. */
export async function fromUpstream(env: DnsEnv, q: Question): Promise<Resolved> {
  const key = cacheKey(q.name, q.qtype, q.qclass, q.dnssecOk);
  try {
    const query = upstreamQuery(q.name, q.qtype, q.qclass, q.dnssecOk, q.cd, env.settings.ednsBufferSize);
    const { response, upstream } = await env.forward(query);
    env.cache?.set(key, response);
    return { response, cacheHit: false, stale: false, upstream };
  } catch (err) {
    const stale = env.cache?.get(key, { stale: true });
    if (stale?.stale) return { response: stale.response, cacheHit: true, stale: true, upstream: null };
    throw err;
  }
}

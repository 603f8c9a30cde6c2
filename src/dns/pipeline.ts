/**
 * The DNS pipeline: the stages every query goes through, in this order (DESIGN.md §3).
 * A stage returns true when the query is answered or dropped; the rest are skipped, and the
 * answer is fitted to the client and recorded in every case.
 */
import { NO_DECISION } from '../core/decision.js';
import type { DnsEnv, Exchange, Stage } from './exchange.js';
import type { DnsHandler, QueryContext } from './listeners/contract.js';
import { identity } from './stages/identity.js';
import { inspect } from './stages/inspect.js';
import { parse } from './stages/parse.js';
import { policy } from './stages/policy.js';
import { rateLimit } from './stages/rate-limit.js';
import { record } from './stages/record.js';
import { resolve } from './stages/resolve.js';
import { RCODE } from './wire/constants.js';
import { buildErrorResponse } from './wire/response.js';
import { findOpt, truncateForUdp } from './wire/rewrite.js';

/** The stages, in order. */
export const DNS_PIPELINE: readonly Stage[] = [
  // First: nothing may read bytes that failed validation (FORMERR, NOTIMP, BADVERS, drop).
  parse,
  // Before any real work: a spoofed flood must cost as little as possible (UDP only).
  rateLimit,
  // The scope of every decision follows from who asks.
  identity,
  // Before the cache: a block is never served from a cached allowed answer.
  policy,
  // Cache, then upstreams; serve-stale when every upstream fails.
  resolve,
  // After resolution, on cached and fresh answers alike: CNAME targets and addresses.
  inspect,
];

function run(x: Exchange, env: DnsEnv, from: number): Buffer | null | Promise<Buffer | null> {
  // No closure in this loop: one capturing `i`, `x` or `env` made V8 allocate a context per
  // stage per query (~300 bytes a query), even for the stages that answer synchronously.
  for (let i = from; i < DNS_PIPELINE.length; i++) {
    const done = DNS_PIPELINE[i](x, env);
    if (done === true) break;
    if (done === false) continue;
    return resume(done, x, env, i + 1);
  }
  return finish(x, env);
}

/** Carries on after a stage that answered with a promise (upstream resolution, safe search). */
function resume(done: Promise<boolean>, x: Exchange, env: DnsEnv, next: number): Promise<Buffer | null> {
  return done.then(
    (stop) => (stop ? finish(x, env) : run(x, env, next)),
    (err) => fail(x, env, err),
  );
}

/** Fits the answer to the client (its ID, its EDNS, its transport's size) and records it. */
function finish(x: Exchange, env: DnsEnv): Buffer | null {
  let r = x.response;
  if (r !== null && x.query !== null) {
    r.writeUInt16BE(x.query.id, 0);
    let len = r.length;
    // RFC 6891 §7: no OPT in the answer to a query that had none.
    if (x.query.edns === null) len = dropOpt(r, len);
    if (x.ctx.transport === 'udp' && len > x.ctx.maxResponseSize)
      len = truncateForUdp(r, len, x.ctx.maxResponseSize);
    if (len < 0) r = buildErrorResponse(x.query, RCODE.SERVFAIL);
    else if (len !== r.length) r = r.subarray(0, len);
    x.response = r;
  }
  record(x, env);
  if (r !== null) env.metrics.answered(x.ctx.transport, r[3] & 0x0f, x.decision.label, x.identity?.isp ?? '');
  return x.dropped ? null : r;
}

function fail(x: Exchange, env: DnsEnv, _err: unknown): Buffer | null {
  env.metrics.error(x.ctx.transport, 'internal');
  x.response = x.query ? buildErrorResponse(x.query, RCODE.SERVFAIL) : null;
  return finish(x, env);
}

/** Removes the OPT RR from a message (it is the last additional record in what we build and cache). */
function dropOpt(buf: Buffer, len: number): number {
  const opt = findOpt(buf, len);
  if (opt === null || opt === -1) return len;
  const end = opt.rdataOffset + opt.rdlength;
  buf.copyWithin(opt.recordOffset, end, len);
  buf.writeUInt16BE(buf.readUInt16BE(10) - 1, 10);
  return len - (end - opt.recordOffset);
}

/** The listeners' handler: one Exchange per query through DNS_PIPELINE. Never throws. */
export function createDnsHandler(env: DnsEnv): DnsHandler {
  return (raw: Buffer, ctx: QueryContext) => {
    const x: Exchange = {
      raw,
      ctx,
      started: performance.now(),
      policy: env.policy(),
      query: null,
      name: '',
      identity: null,
      decision: NO_DECISION,
      response: null,
      cacheHit: false,
      upstream: null,
      ede: null,
      dropped: false,
    };
    try {
      return run(x, env, 0);
    } catch (err) {
      return fail(x, env, err);
    }
  };
}

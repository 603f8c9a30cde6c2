/**
 * Resolve: the cache first, then the upstreams (with serve-stale when all of them fail).
 * The raw answer is kept in `x.response`; `finish` in pipeline.ts fits it to the client.
 */
import type { Stage } from '../exchange.js';
import { cachedResponse, fromUpstream } from '../resolver.js';
import { EDE_CODE, RCODE } from '../wire/constants.js';
import { buildErrorResponse, buildMinimalAny } from '../wire/response.js';

const ANY = 255;

/** The resolve stage. */
export const resolve: Stage = (x, env) => {
  const q = x.query!;
  // RFC 8482 §4.2: answer ANY with one synthetic HINFO instead of everything we know.
  if (q.qtype === ANY) {
    x.response = buildMinimalAny(q, 3600, { ednsBufferSize: env.settings.ednsBufferSize });
    return true;
  }
  const dnssecOk = q.edns?.dnssecOk === true;
  const cd = (q.flags & 0x0010) !== 0;
  const hit = cachedResponse(env, x.name, q.qtype, q.qclass, dnssecOk, cd, q.id);
  if (hit !== null) {
    env.metrics.cache('hit');
    x.cacheHit = true;
    x.response = hit;
    return false;
  }
  env.metrics.cache('miss');
  return fromUpstream(env, { name: x.name, qtype: q.qtype, qclass: q.qclass, dnssecOk, cd }).then(
    (r) => {
      if (r.stale) env.metrics.cache('stale');
      x.cacheHit = r.cacheHit;
      x.upstream = r.upstream;
      x.response = r.response;
      if (r.stale) x.ede = EDE_CODE.STALE_ANSWER;
      return false;
    },
    () => {
      env.metrics.error(x.ctx.transport, 'upstream-failed');
      // RFC 8914 §5.23 No Reachable Authority.
      x.ede = 22;
      x.response = buildErrorResponse(q, RCODE.SERVFAIL, {
        ede: { infoCode: 22, extraText: 'no upstream resolver answered' },
        ednsBufferSize: env.settings.ednsBufferSize,
      });
      return true;
    },
  );
};

/**
 * Response rate limiting (UDP only): a spoofed-source flood must not turn the gateway into an
 * amplifier. Over the limit, every Nth answer "slips" as an empty truncated response so a real
 * client retries over TCP (which cannot be spoofed); the rest are dropped.
 */
import type { Stage } from '../exchange.js';
import { RCODE } from '../wire/constants.js';
import { buildErrorResponse } from '../wire/response.js';

const TC = 0x02; // in the high flags byte (RFC 1035 §4.1.1)

/** The rate-limit stage. */
export const rateLimit: Stage = (x, env) => {
  if (env.rateLimit === null || x.ctx.transport !== 'udp' || x.query === null) return false;
  const verdict = env.rateLimit(x.ctx.clientAddress);
  if (verdict === 'allow') return false;
  env.metrics.error('udp', verdict === 'slip' ? 'rate-limited-slip' : 'rate-limited-drop');
  if (verdict === 'drop') {
    x.dropped = true;
    return true;
  }
  const r = buildErrorResponse(x.query, RCODE.NOERROR);
  r[2] |= TC;
  x.response = r;
  return true;
};

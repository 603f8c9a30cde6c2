/**
 * Parse: validate the header, the one question and the OPT record before anything else reads
 * the bytes. Malformed queries get FORMERR, unknown opcodes NOTIMP, bad EDNS versions BADVERS
 * (RFC 1035 §4.1.1, RFC 6891 §6.1.3); what has no readable header is dropped.
 */
import type { Stage } from '../exchange.js';
import { parseQuery, queryName } from '../wire/query.js';
import { buildErrorResponse } from '../wire/response.js';

/** The parse stage. */
export const parse: Stage = (x, env) => {
  const q = parseQuery(x.raw, x.raw.length, { sdeOptionCode: env.settings.sdeOptionCode });
  if (q.ok) {
    x.query = q;
    x.name = queryName(q);
    return false;
  }
  env.metrics.error(x.ctx.transport, q.reason);
  if (q.drop) {
    x.dropped = true;
    return true;
  }
  x.response = buildErrorResponse(q, q.rcode, { ednsBufferSize: env.settings.ednsBufferSize });
  return true;
};

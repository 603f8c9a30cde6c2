/**
 * Policy: the order in force decides, before the cache is consulted, so a block is never served
 * from a cached allowed answer and a lifted order clears at the next query.
 * Blocks are answered here (disclosed, see answers.ts); safe-search orders rewrite to the
 * engine's safe host as a proper CNAME chain; everything else continues to resolution.
 */

import { formatIPv4, formatIPv6 } from '../../core/net/address.js';
import { evaluate } from '../../policy/evaluate.js';
import { safeSearchHost } from '../../policy/safe-search.js';
import { blockAnswer, cnameAnswer } from '../answers.js';
import type { DnsEnv, Exchange, Stage } from '../exchange.js';
import { fromCache, fromUpstream } from '../resolver.js';
import { RCODE, TYPE } from '../wire/constants.js';
import { inspectAnswers } from '../wire/inspect.js';
import type { AnswerRecord } from '../wire/response.js';
import { buildErrorResponse } from '../wire/response.js';

/** The policy stage. */
export const policy: Stage = (x, env) => {
  const id = x.identity;
  x.decision = evaluate(x.policy, { domain: x.name, isp: id?.isp, groups: id?.groups, time: env.now() });
  const action = x.decision.action;
  if (action === 'block') {
    x.response = blockAnswer(x, env, x.decision);
    return true;
  }
  if (action === 'safe-search') {
    const target = safeSearchHost(x.name);
    if (target !== null && (x.query!.qtype === TYPE.A || x.query!.qtype === TYPE.AAAA))
      return safeSearch(x, env, target);
  }
  return false;
};

async function safeSearch(x: Exchange, env: DnsEnv, target: string): Promise<boolean> {
  const q = x.query!;
  const question = { name: target, qtype: q.qtype, qclass: q.qclass, dnssecOk: false, cd: false };
  let resolved = fromCache(env, question, q.id);
  try {
    resolved ??= await fromUpstream(env, question);
  } catch {
    x.response = buildErrorResponse(q, RCODE.SERVFAIL, { ednsBufferSize: env.settings.ednsBufferSize });
    return true;
  }
  const records: AnswerRecord[] = [];
  let ttl = 300;
  inspectAnswers(resolved.response, resolved.response.length, {
    a(v, t) {
      records.push({ type: 'A', name: target, ttl: t, address: formatIPv4(v) });
      ttl = Math.min(ttl, t);
      return true;
    },
    aaaa(w0, w1, w2, w3, t) {
      records.push({ type: 'AAAA', name: target, ttl: t, address: formatIPv6([w0, w1, w2, w3]) });
      ttl = Math.min(ttl, t);
      return true;
    },
  });
  x.cacheHit = resolved.cacheHit;
  x.upstream = resolved.upstream;
  x.response = cnameAnswer(x, env, target, records, ttl);
  return true;
}

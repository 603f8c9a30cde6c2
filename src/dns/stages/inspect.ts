/**
 * Answer inspection: a blocked name reached through a CNAME chain, or an answer address inside
 * a blocked prefix, is blocked too, and the answer says how it was reached. Runs on cached and
 * fresh answers alike, so a new order applies to what is already cached.
 */
import type { Decision } from '../../core/decision.js';
import { formatIPv4, formatIPv6, type Prefix } from '../../core/net/address.js';
import { evaluate } from '../../policy/evaluate.js';
import { blockAnswer } from '../answers.js';
import type { Stage } from '../exchange.js';
import { inspectAnswers } from '../wire/inspect.js';

/** The inspect stage. */
export const inspect: Stage = (x, env) => {
  const response = x.response;
  if (response === null) return false;
  const checkAddresses = x.policy.prefixes.rules.length > 0;
  const id = x.identity;
  const time = env.now();
  let hit: Decision | null = null;
  let note = '';
  const check = (facts: { domain?: string; address?: Prefix }, what: () => string) => {
    const d = evaluate(x.policy, { ...facts, isp: id?.isp, groups: id?.groups, time });
    if (d.action !== 'block') return true;
    hit = d;
    note = what();
    return false;
  };
  inspectAnswers(response, response.length, {
    cname: (target) => check({ domain: target }, () => `reached through CNAME ${target}`),
    ...(checkAddresses
      ? {
          a: (v: number) =>
            check(
              { address: { family: 4, words: [0, 0, 0, v], length: 32 } },
              () => `answer address ${formatIPv4(v)}`,
            ),
          aaaa: (w0: number, w1: number, w2: number, w3: number) =>
            check(
              { address: { family: 6, words: [w0, w1, w2, w3], length: 128 } },
              () => `answer address ${formatIPv6([w0, w1, w2, w3])}`,
            ),
        }
      : {}),
  });
  if (hit === null) return false;
  x.decision = hit;
  x.response = blockAnswer(x, env, hit, note);
  return true;
};

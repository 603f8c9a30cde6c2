/**
 * Answer inspection: a blocked name reached through a CNAME chain, or an answer address inside
 * a blocked prefix, is blocked too, and the answer says how it was reached. Runs on cached and
 * fresh answers alike, so a new order applies to what is already cached.
 */
import type { Decision } from '../../core/decision.js';
import { formatIPv4, formatIPv6, type Prefix } from '../../core/net/address.js';
import { evaluate } from '../../policy/evaluate.js';
import { blockAnswer } from '../answers.js';
import type { Exchange, Stage } from '../exchange.js';
import { type AnswerVisitor, inspectAnswers } from '../wire/inspect.js';

// The visitors are built once, not per query: the one inspection in progress (stages run
// synchronously to the end of inspectAnswers) is described by these module-level slots.
let current: Exchange | null = null;
let time = 0;
let hit: Decision | null = null;
let note = '';

function check(facts: { domain?: string; address?: Prefix }): boolean {
  const x = current as Exchange;
  const id = x.identity;
  const d = evaluate(x.policy, { ...facts, isp: id?.isp, groups: id?.groups, time });
  if (d.action !== 'block') return true;
  hit = d;
  return false;
}

const cname = (target: string): boolean => {
  if (check({ domain: target })) return true;
  note = `reached through CNAME ${target}`;
  return false;
};

const NAMES_ONLY: AnswerVisitor = { cname };

const NAMES_AND_ADDRESSES: AnswerVisitor = {
  cname,
  a(v) {
    if (check({ address: { family: 4, words: [0, 0, 0, v], length: 32 } })) return true;
    note = `answer address ${formatIPv4(v)}`;
    return false;
  },
  aaaa(w0, w1, w2, w3) {
    if (check({ address: { family: 6, words: [w0, w1, w2, w3], length: 128 } })) return true;
    note = `answer address ${formatIPv6([w0, w1, w2, w3])}`;
    return false;
  },
};

/** The inspect stage. */
export const inspect: Stage = (x, env) => {
  const response = x.response;
  if (response === null) return false;
  current = x;
  time = env.now();
  hit = null;
  try {
    inspectAnswers(
      response,
      response.length,
      x.policy.prefixes.rules.length > 0 ? NAMES_AND_ADDRESSES : NAMES_ONLY,
    );
  } finally {
    current = null;
  }
  const found = hit as Decision | null;
  if (found === null) return false;
  hit = null;
  x.decision = found;
  x.response = blockAnswer(x, env, found, note);
  return true;
};

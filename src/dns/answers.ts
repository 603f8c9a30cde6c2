/**
 * Answers the gateway writes itself: disclosed blocks (NXDOMAIN/NODATA/REFUSED with an SOA and
 * an Extended DNS Error), the opt-in notice address (flagged as a forged answer, never covert),
 * and safe-search CNAME chains.
 */
import type { Decision } from '../core/decision.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { disclosureTexts } from './disclosure.js';
import type { DnsEnv, Exchange } from './exchange.js';
import { EDE_CODE, TYPE } from './wire/constants.js';
import type { AnswerRecord } from './wire/response.js';
import { answerFromTemplate, buildAnswer, buildBlockResponse } from './wire/response.js';

/**
 * Block answers already encoded, per policy snapshot, keyed by everything they depend on but
 * the ID, the echoed header bits and the question bytes (order, answer kind, text rendering,
 * EDNS and DO, question length): a blocked query then costs one copy, not an encoding of the
 * SOA and the EDE text. Bounded by orders × 3 × 2 × 3 × 256 keys, and gone with the snapshot.
 */
const templates = new WeakMap<CompiledPolicy, Map<string, { bytes: Buffer; ede: number }>>();

function wantsStructured(x: Exchange, env: DnsEnv): boolean {
  const mode = env.settings.structuredErrors;
  return mode === 'always' || (mode === 'auto' && x.query?.edns?.structuredErrors === true);
}

/**
 * Answers `x` as blocked by `decision`. `note` says how it was reached when not by the query
 * name itself (a CNAME target or an answer address), so the text says so.
 */
export function blockAnswer(x: Exchange, env: DnsEnv, decision: Decision, note?: string): Buffer {
  const q = x.query!;
  const structured = wantsStructured(x, env);
  const answer = decision.answer ?? decision.disclosure?.dnsAnswer ?? 'nxdomain';
  // Notes (CNAME, address) and notice answers are rare and vary: encoded each time.
  if (note !== undefined || answer === 'notice')
    return encodeBlock(x, env, decision, structured, answer, note);
  let byKey = templates.get(x.policy);
  if (byKey === undefined) {
    byKey = new Map();
    templates.set(x.policy, byKey);
  }
  const edns = q.edns === null ? 0 : q.edns.dnssecOk ? 2 : 1;
  const key = `${decision.orderId}|${answer}|${structured ? 1 : 0}|${edns}|${q.questionEnd}`;
  const t = byKey.get(key);
  if (t !== undefined) {
    x.ede = t.ede;
    return answerFromTemplate(t.bytes, q);
  }
  const bytes = encodeBlock(x, env, decision, structured, answer, undefined);
  byKey.set(key, { bytes: Buffer.from(bytes), ede: x.ede ?? 15 });
  return bytes;
}

function encodeBlock(
  x: Exchange,
  env: DnsEnv,
  decision: Decision,
  structured: boolean,
  answer: 'nxdomain' | 'nodata' | 'refused' | 'notice',
  note: string | undefined,
): Buffer {
  const q = x.query!;
  const texts = disclosureTexts(x.policy, decision, env.settings.operatorUrl);
  let extraText = texts ? (structured ? texts.json : texts.plain) : '';
  if (note && !structured) extraText = `${extraText} [${note}]`;
  const infoCode = texts?.infoCode ?? 15;
  const s = env.settings;
  x.ede = infoCode;
  if (answer === 'notice') {
    const record = noticeRecord(q.qtype, env);
    if (record) {
      // RFC 8914 §5.5 Forged Answer: the answer is ours, and says so. The structured-error draft
      // (§5.2) forbids EDE 4 to clients that signalled SDE: they get the order's own code.
      const code = structured ? infoCode : EDE_CODE.FORGED_ANSWER;
      x.ede = code;
      return buildAnswer(q, [record], {
        ede: { infoCode: code, extraText },
        ednsBufferSize: s.ednsBufferSize,
      });
    }
  }
  return buildBlockResponse(q, {
    answer: answer === 'notice' ? 'nodata' : answer,
    soa: {
      mname: s.soaMname,
      rname: s.soaRname,
      serial: Math.floor(x.policy.createdAt / 1000),
      negativeTtl: s.blockTtl,
    },
    ede: { infoCode, extraText },
    ednsBufferSize: s.ednsBufferSize,
    compressQuestion: false,
  });
}

function noticeRecord(qtype: number, env: DnsEnv): AnswerRecord | null {
  const { ipv4, ipv6 } = env.settings.noticeAddresses;
  const ttl = env.settings.blockTtl;
  if (qtype === TYPE.A && ipv4) return { type: 'A', ttl, address: ipv4 };
  if (qtype === TYPE.AAAA && ipv6) return { type: 'AAAA', ttl, address: ipv6 };
  return null;
}

/** A CNAME from the query name to `target`, followed by `target`'s own A/AAAA records. */
export function cnameAnswer(
  x: Exchange,
  env: DnsEnv,
  target: string,
  records: AnswerRecord[],
  ttl: number,
): Buffer {
  return buildAnswer(x.query!, [{ type: 'CNAME', ttl, target }, ...records], {
    ednsBufferSize: env.settings.ednsBufferSize,
  });
}

/**
 * What a blocked DNS answer says (RFC 8914 EXTRA-TEXT): the order, its authority, its legal
 * basis, its expiry, and where to read the notice and appeal. Plain text by default; the I-JSON
 * of draft-ietf-dnsop-structured-dns-error (`j`, `o`, `c`, `l`) when the client signals support
 * or configuration says always. Texts are built once per order and policy snapshot.
 */
import type { Decision } from '../core/decision.js';
import type { CompiledOrder, CompiledPolicy } from '../policy/compile.js';
import { plainErrorText, structuredErrorJson } from './wire/structured-error.js';

/** The two renderings of one order's disclosure. */
export interface DisclosureTexts {
  readonly infoCode: number;
  readonly plain: string;
  readonly json: string;
}

const INFO_WORDS: Record<number, string> = { 15: 'Blocked', 16: 'Censored', 17: 'Filtered' };
// EXTRA-TEXT must fit a 1232-byte UDP answer alongside the question and SOA.
const MAX_TEXT = 600;

const cache = new WeakMap<CompiledPolicy, Map<number, DisclosureTexts>>();

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + 'Z';
}

function render(order: CompiledOrder, operatorUrl: string): DisclosureTexts {
  const d = order.disclosure;
  const notice = `${operatorUrl.replace(/\/$/, '')}/notices/${order.id}`;
  const basis = `${order.legalBasis.instrument}, ${order.legalBasis.article}`;
  const j =
    `${INFO_WORDS[d.infoCode] ?? 'Blocked'} by order ${order.id} "${order.title}" ` +
    `(${order.authority.kind}, decision ${order.decisionRef}; ${basis}) until ${day(order.expiresAt)}. ` +
    `Notice and appeal: ${notice}`;
  return {
    infoCode: d.infoCode,
    plain: plainErrorText({ o: order.authority.name, j, c: d.appeal }, MAX_TEXT),
    json: structuredErrorJson(
      { j, o: order.authority.name, c: d.appeal, l: 'en' },
      { infoCode: d.infoCode, maxBytes: MAX_TEXT },
    ),
  };
}

/** The disclosure texts for the order behind `decision` in `policy`. */
export function disclosureTexts(
  policy: CompiledPolicy,
  decision: Decision,
  operatorUrl: string,
): DisclosureTexts | null {
  if (decision.orderId === 0) return null;
  let byOrder = cache.get(policy);
  if (!byOrder) {
    byOrder = new Map();
    cache.set(policy, byOrder);
  }
  let texts = byOrder.get(decision.orderId);
  if (!texts) {
    const order = policy.orders.find((o) => o.id === decision.orderId);
    if (!order) return null;
    texts = render(order, operatorUrl);
    byOrder.set(decision.orderId, texts);
  }
  return texts;
}

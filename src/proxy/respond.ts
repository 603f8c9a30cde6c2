/**
 * The responses the proxy writes itself: the 451 that discloses a block (RFC 7725) and the
 * plain errors (400, 408, 431, 502, 503, 504). Every one carries Content-Length and
 * `Cache-Control: no-store`, so no cache keeps a block or an error past its order.
 */
import { Buffer } from 'node:buffer';
import type { Decision } from '../core/decision.js';
import type { CompiledOrder, CompiledPolicy } from '../policy/compile.js';
import { noticeUrl, renderNotice } from '../portal/notice.js';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

function response(status: number, fields: readonly string[], type: string, body: string, close: boolean) {
  const payload = Buffer.from(body, 'utf8');
  const head = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}`,
    ...fields,
    `content-type: ${type}`,
    `content-length: ${payload.length}`,
    'cache-control: no-store',
    `connection: ${close ? 'close' : 'keep-alive'}`,
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

/** A plain-text error response; `message` is one lowercase sentence saying what went wrong. */
export function errorResponse(status: number, message: string, close = true): Buffer {
  return response(status, [], 'text/plain; charset=utf-8', `${message}\n`, close);
}

/** The order a decision cites, found through its rule, else by id. */
export function orderOf(policy: CompiledPolicy, decision: Decision): CompiledOrder | null {
  const byRule = policy.rule(decision.ruleId)?.order;
  if (byRule !== undefined && byRule.id === decision.orderId) return byRule;
  return policy.orders.find((o) => o.id === decision.orderId) ?? null;
}

/** True when an Accept field prefers JSON to HTML (a bare `application/json` anywhere in it). */
export function wantsJson(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept
    .toLowerCase()
    .split(',')
    .some((t) => {
      const [type, ...params] = t.split(';').map((s) => s.trim());
      return type === 'application/json' && !params.some((p) => /^q=0(\.0*)?$/.test(p));
    });
}

/**
 * RFC 7725 §3: 451 with `Link: <notice>; rel="blocked-by"` naming the notice of the order that
 * blocked. The body is the notice (HTML, or JSON when asked for).
 */
export function blockedResponse(
  order: CompiledOrder | null,
  orderId: number,
  operatorUrl: string,
  json: boolean,
  close: boolean,
): Buffer {
  const link = `link: <${noticeUrl(operatorUrl, orderId)}>; rel="blocked-by"`;
  if (order === null) {
    // The snapshot changed under us: still disclose, naming the order by id.
    const text = `blocked by order ${orderId}; the notice is at ${noticeUrl(operatorUrl, orderId)}`;
    return json
      ? response(451, [link], 'application/json; charset=utf-8', JSON.stringify({ orderId }), close)
      : response(451, [link], 'text/plain; charset=utf-8', `${text}\n`, close);
  }
  const notice = renderNotice(order, operatorUrl, json ? 'json' : 'html');
  return response(451, [link], notice.contentType, notice.body, close);
}

/** RFC 9110 §9.3.6: the answer that turns a CONNECT into a tunnel. */
export const CONNECT_ESTABLISHED = Buffer.from('HTTP/1.1 200 Connection Established\r\n\r\n', 'latin1');

/**
 * The notice a blocked person reads (DESIGN §1.2): which order blocked the page, who issued it,
 * on what legal basis, until when, and how to appeal, in plain words. The proxy sends it with its
 * 451 (RFC 7725); the public portal serves the same text at `/notices/{id}`.
 *
 * HTML: every value escaped, no script, no external resource, readable without CSS (a few
 * inline styles only). JSON: the same facts as plain fields.
 */
import type { CompiledOrder } from '../policy/compile.js';

/** A rendered notice and its media type. */
export interface RenderedNotice {
  readonly contentType: string;
  readonly body: string;
}

/** The notice as JSON fields (format `json`). */
export interface NoticeJson {
  readonly status: 451;
  readonly blocked: true;
  readonly order: { readonly id: number; readonly title: string };
  readonly action: string;
  readonly authority: { readonly name: string; readonly kind: string };
  readonly legalBasis: { readonly instrument: string; readonly article: string };
  readonly decisionRef: string;
  readonly inForceFrom: string;
  readonly expiresAt: string;
  readonly notice: string;
  readonly appeal: readonly string[];
  readonly noticeUrl: string;
}

const AUTHORITY_WORDS: Record<string, string> = {
  court: 'a court',
  'independent-body': 'an independent body',
  regulator: 'a regulator',
  operator: 'the network operator',
};

// Only these schemes become links: an appeal URI must never run anything (no javascript:, data:).
const LINK_SCHEMES = /^(mailto|tel|sips|sip|https?):/i;

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The URL of an order's public notice. */
export function noticeUrl(operatorUrl: string, orderId: number): string {
  return `${operatorUrl.replace(/\/+$/, '')}/notices/${orderId}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function appealLabel(uri: string): string {
  const colon = uri.indexOf(':');
  const scheme = uri.slice(0, colon).toLowerCase();
  const rest = uri.slice(colon + 1);
  if (scheme === 'mailto') return `by e-mail to ${rest}`;
  if (scheme === 'tel') return `by telephone on ${rest}`;
  return `at ${uri}`;
}

function appealItem(uri: string): string {
  const label = escapeHtml(appealLabel(uri));
  return LINK_SCHEMES.test(uri) ? `<li><a href="${escapeHtml(uri)}">${label}</a></li>` : `<li>${label}</li>`;
}

/** The notice as a JSON value. */
export function noticeJson(order: CompiledOrder, operatorUrl: string): NoticeJson {
  return {
    status: 451,
    blocked: true,
    order: { id: order.id, title: order.title },
    action: order.action,
    authority: { name: order.authority.name, kind: order.authority.kind },
    legalBasis: { instrument: order.legalBasis.instrument, article: order.legalBasis.article },
    decisionRef: order.decisionRef,
    inForceFrom: iso(order.notBefore),
    expiresAt: iso(order.expiresAt),
    notice: order.disclosure.notice,
    appeal: [...order.disclosure.appeal],
    noticeUrl: noticeUrl(operatorUrl, order.id),
  };
}

function noticeHtml(order: CompiledOrder, operatorUrl: string): string {
  const e = escapeHtml;
  const a = order.authority;
  const url = noticeUrl(operatorUrl, order.id);
  const appeals = order.disclosure.appeal;
  const appealText =
    appeals.length > 0
      ? `<p>If you think this block is wrong, you can appeal:</p>\n<ul>\n${appeals.map(appealItem).join('\n')}\n</ul>`
      : '<p>The order names no appeal contact; the full notice says where to object.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Blocked by order ${order.id}: ${e(order.title)}</title>
</head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto; padding: 0 1em; line-height: 1.5">
<main>
<h1>This page is blocked by a legal order</h1>
<p>Your internet provider's gateway did not open this page because order ${order.id},
“${e(order.title)}”, issued by ${e(AUTHORITY_WORDS[a.kind] ?? a.kind)}, ${e(a.name)}, requires it.
The page itself was not read or recorded.</p>
${order.disclosure.notice ? `<p>${e(order.disclosure.notice)}</p>\n` : ''}<h2>The order</h2>
<dl>
<dt>Order</dt><dd>${order.id}: ${e(order.title)}</dd>
<dt>Issued by</dt><dd>${e(a.name)} (${e(a.kind)})</dd>
<dt>Legal basis</dt><dd>${e(order.legalBasis.instrument)}, ${e(order.legalBasis.article)}</dd>
<dt>Decision reference</dt><dd>${e(order.decisionRef)}</dd>
<dt>In force</dt><dd>from ${iso(order.notBefore)} until ${iso(order.expiresAt)}, when it expires unless renewed</dd>
</dl>
<h2>How to appeal</h2>
${appealText}
<p>The full public notice: <a href="${e(url)}">${e(url)}</a></p>
</main>
</body>
</html>
`;
}

/** Renders the notice of `order` as HTML (default for people) or JSON (`Accept: application/json`). */
export function renderNotice(
  order: CompiledOrder,
  operatorUrl: string,
  format: 'html' | 'json',
): RenderedNotice {
  if (format === 'json') {
    return {
      contentType: 'application/json; charset=utf-8',
      body: `${JSON.stringify(noticeJson(order, operatorUrl))}\n`,
    };
  }
  return { contentType: 'text/html; charset=utf-8', body: noticeHtml(order, operatorUrl) };
}

/**
 * `/notices/:id`, the page the proxy's 451 (RFC 7725 `Link: rel="blocked-by"`) and the DNS EDE text
 * (RFC 8914) point to. JSON carries the same fields as the proxy's notice (`noticeJson`), plus
 * whether the order is still in force; HTML is the same facts in the portal's frame.
 */
import type { CompiledOrder } from '../policy/compile.js';
import type { Order } from '../policy/model.js';
import { escapeHtml, type NoticeJson, noticeJson } from './notice.js';
import { authorityHtml, date, page } from './page.js';

const e = escapeHtml;

/** An order from the store or from the compiled policy, as the notice renderer takes it. */
export function noticeOrder(order: Order | CompiledOrder): CompiledOrder {
  if (typeof order.action === 'string') return order as CompiledOrder;
  const o = order as Order;
  return {
    id: o.id,
    title: o.title,
    authority: o.authority,
    legalBasis: o.legalBasis,
    decisionRef: o.decisionRef,
    // Kinds the data plane does not enforce (disconnect) still have a notice; the text is the same.
    action: o.action.kind as CompiledOrder['action'],
    rateBps: o.action.kind === 'throttle' ? o.action.bytesPerSecond : 0,
    disclosure: o.disclosure,
    notBefore: o.notBefore,
    expiresAt: o.expiresAt,
    public: o.public,
    scopeRank: o.scope.kind === 'national' ? 0 : o.scope.kind === 'isps' ? 1 : 2,
    scopeSet:
      o.scope.kind === 'national' ? null : new Set(o.scope.kind === 'isps' ? o.scope.isps : o.scope.groups),
  };
}

/** The notice as JSON: the proxy's fields, and `inForce`. */
export function noticePageJson(
  order: CompiledOrder,
  operatorUrl: string,
  inForce: boolean,
): NoticeJson & { inForce: boolean } {
  return { ...noticeJson(order, operatorUrl), inForce };
}

const SAFE_LINK = /^(mailto|tel|sips|sip|https?):/i;

/** The notice as an HTML page. */
export function noticePage(order: CompiledOrder, inForce: boolean, appealable: boolean): string {
  const contacts = order.disclosure.appeal
    .map((uri) => (SAFE_LINK.test(uri) ? `<li><a href="${e(uri)}">${e(uri)}</a></li>` : `<li>${e(uri)}</li>`))
    .join('\n');
  const lead = inForce
    ? `<p>Your internet provider's gateway refused what you asked for because order ${order.id} requires it.
The page itself was not read or recorded.</p>`
    : `<p>Order ${order.id} is <strong>not in force now</strong>. This notice is kept so links to it still explain what happened.</p>`;
  return page(
    `Notice of order ${order.id}`,
    `<h1>${inForce ? 'Blocked by a legal order' : 'Notice of a past order'}</h1>
${lead}
${order.disclosure.notice ? `<p>${e(order.disclosure.notice)}</p>` : ''}
<h2>The order</h2>
<dl>
<dt>Order</dt><dd><a href="/orders/${order.id}">${order.id}: ${e(order.title)}</a></dd>
<dt>Issued by</dt><dd>${authorityHtml(order)}</dd>
<dt>Legal basis</dt><dd>${e(order.legalBasis.instrument)}, ${e(order.legalBasis.article)}</dd>
<dt>Decision reference</dt><dd>${e(order.decisionRef)}</dd>
<dt>In force</dt><dd>from ${date(order.notBefore)} until ${date(order.expiresAt)}</dd>
</dl>
<h2>How to appeal</h2>
${appealable ? `<p><a href="/appeals/new?order=${order.id}">File an appeal here</a>; you get a reference to follow it.</p>` : ''}
${contacts === '' ? '' : `<p>Or contact:</p>\n<ul>\n${contacts}\n</ul>`}`,
  );
}

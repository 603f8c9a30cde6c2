/** The register of orders (`/`) and one order in full (`/orders/:id`). */
import type { Order } from '../policy/model.js';
import type { StatusChange } from '../store/types.js';
import { escapeHtml } from './notice.js';
import {
  actionText,
  authorityHtml,
  date,
  isAppealable,
  isListed,
  page,
  publicStatus,
  scopeHtml,
} from './page.js';
import type { OrderHits } from './plugin.js';

const e = escapeHtml;

/** Blocks enforced for an order (DNS, HTTP and TLS together), or null when unknown. */
export function blockCount(hits: ReadonlyMap<number, OrderHits> | null, id: number): number | null {
  const h = hits?.get(id);
  return h === undefined ? (hits === null ? null : 0) : h.dns + h.http + h.tls;
}

const count = (n: number | null) => (n === null ? '<span class="muted">n/a</span>' : n.toLocaleString('en'));

function row(order: Order, now: number, hits: ReadonlyMap<number, OrderHits> | null): string {
  return `<tr>
<td><a href="/orders/${order.id}">${order.id}: ${e(order.title)}</a></td>
<td>${authorityHtml(order)}</td>
<td>${e(order.legalBasis.instrument)}, ${e(order.legalBasis.article)}</td>
<td>${e(order.decisionRef)}</td>
<td>${scopeHtml(order.scope)}</td>
<td>${date(order.notBefore)}</td>
<td>${date(order.expiresAt)}</td>
<td>${e(publicStatus(order, now))}</td>
<td>${count(blockCount(hits, order.id))}</td>
</tr>`;
}

function table(
  id: string,
  caption: string,
  orders: readonly Order[],
  now: number,
  hits: ReadonlyMap<number, OrderHits> | null,
): string {
  if (orders.length === 0) return `<h2 id="${id}">${e(caption)}</h2>\n<p>None.</p>`;
  return `<h2 id="${id}">${e(caption)}</h2>
<div class="scroll"><table aria-labelledby="${id}">
<thead><tr><th scope="col">Order</th><th scope="col">Issued by</th><th scope="col">Legal basis</th>
<th scope="col">Decision</th><th scope="col">Scope</th><th scope="col">From</th><th scope="col">Until</th>
<th scope="col">Status</th><th scope="col">Blocks</th></tr></thead>
<tbody>
${orders.map((o) => row(o, now, hits)).join('\n')}
</tbody>
</table></div>`;
}

/** The register: public orders in force (or scheduled, or suspended) and past ones, newest first. */
export function registerPage(
  orders: readonly Order[],
  now: number,
  hits: ReadonlyMap<number, OrderHits> | null,
): string {
  const listed = orders.filter(isListed).sort((a, b) => b.id - a.id);
  const current = listed.filter((o) => isAppealable(o, now));
  const past = listed.filter((o) => !isAppealable(o, now));
  return page(
    'Orders',
    `<h1>Orders in force and past</h1>
<p>Every public order this gateway enforces or has enforced: who issued it, on what legal basis, where it
applies and until when. Blocks counts requests refused under the order; no one who made them is named.</p>
${table('in-force', 'In force', current, now, hits)}
${table('past', 'Past orders', past, now, hits)}`,
  );
}

const SAFE_LINK = /^(mailto|tel|sips|sip|https?):/i;

function appealContact(uri: string): string {
  return SAFE_LINK.test(uri) ? `<li><a href="${e(uri)}">${e(uri)}</a></li>` : `<li>${e(uri)}</li>`;
}

/** What the order page shows besides the order itself. */
export interface OrderPageFacts {
  readonly targets: number;
  readonly lists: number;
  readonly history: readonly StatusChange[];
  readonly hits: OrderHits | null;
}

/** One public order in full, with its notice and appeal links. */
export function orderPage(order: Order, now: number, facts: OrderPageFacts): string {
  const status = publicStatus(order, now);
  const appealable = isAppealable(order, now);
  const h = facts.hits;
  const history = facts.history
    .filter((c) => c.from !== null)
    .map((c) => `<li>${date(c.at)}: ${e(c.from ?? '')} → ${e(c.to)}</li>`)
    .join('\n');
  const contacts = order.disclosure.appeal.map(appealContact).join('\n');
  return page(
    `Order ${order.id}: ${order.title}`,
    `<h1>Order ${order.id}: ${e(order.title)}</h1>
<dl>
<dt>Status</dt><dd>${e(status)}</dd>
<dt>Issued by</dt><dd>${authorityHtml(order)}</dd>
<dt>Legal basis</dt><dd>${e(order.legalBasis.instrument)}, ${e(order.legalBasis.article)}</dd>
<dt>Decision reference</dt><dd>${e(order.decisionRef)}</dd>
<dt>Action</dt><dd>${e(actionText(order.action))}</dd>
<dt>Scope</dt><dd>${scopeHtml(order.scope)}</dd>
<dt>Targets</dt><dd>${facts.targets.toLocaleString('en')} own, ${facts.lists.toLocaleString('en')} attached list(s)</dd>
<dt>In force from</dt><dd>${date(order.notBefore)}</dd>
<dt>Expires</dt><dd>${date(order.expiresAt)}</dd>
<dt>Approved</dt><dd>${date(order.approvedAt)}</dd>
<dt>Notice shown</dt><dd>${e(order.disclosure.notice)}</dd>
</dl>
<h2>Enforcement</h2>
${
  h === null
    ? '<p class="muted">Counts are not available here.</p>'
    : `<dl><dt>DNS answers refused</dt><dd>${count(h.dns)}</dd><dt>HTTP requests refused</dt><dd>${count(h.http)}</dd>
<dt>TLS connections refused</dt><dd>${count(h.tls)}</dd><dt>Connections throttled</dt><dd>${count(h.throttled)}</dd></dl>`
}
<h2>History</h2>
${history === '' ? '<p>No changes since it was issued.</p>' : `<ul>\n${history}\n</ul>`}
<h2>Notice and appeal</h2>
<p>The notice people see when this order blocks something: <a href="/notices/${order.id}">notice of order ${order.id}</a>.</p>
${
  appealable
    ? `<p><a href="/appeals/new?order=${order.id}">Appeal this order</a> (as the owner of a blocked site or as a user).</p>`
    : '<p>This order is no longer in force; it cannot be appealed here.</p>'
}
${contacts === '' ? '' : `<p>The issuing authority names these contacts for objections:</p>\n<ul>\n${contacts}\n</ul>`}`,
  );
}

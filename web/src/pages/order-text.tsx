/** Orders in words: the same phrasing in the list, the detail page and the explain page. */
import type { Order, OrderAction, OrderStatus, Scope } from '../types';

/** What an order does. */
export function actionText(a: OrderAction): string {
  if (a.kind === 'throttle') return `throttle to ${a.bytesPerSecond.toLocaleString()} bytes/s`;
  return a.kind;
}

/** Where an order applies. */
export function scopeText(s: Scope): string {
  if (s.kind === 'isps') return `ISPs: ${s.isps.join(', ')}`;
  if (s.kind === 'groups') return `groups: ${s.groups.join(', ')}`;
  return 'national';
}

/** A status as a badge (text, not colour alone). */
export function StatusBadge({ status }: { status: OrderStatus | string }) {
  return <span className={`badge status-${status}`}>{status}</span>;
}

/** Total hits of an order. */
export function hitTotal(o: Pick<Order, 'hits'>): number {
  return o.hits ? o.hits.dns + o.hits.http + o.hits.tls : 0;
}

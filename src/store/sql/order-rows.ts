/** Mapping between the `orders` row and the Order model (nested values are JSON text). */
import type { Insertable, Selectable } from 'kysely';
import type { Disclosure } from '../../core/decision.js';
import type { OrderInput } from '../../policy/lifecycle.js';
import type { Authority, Order, OrderAction, OrderStatus, Scope } from '../../policy/model.js';
import type { OrdersTable } from '../schema.js';

/** An `orders` row as read. */
export type OrderRow = Selectable<OrdersTable>;

/** The row for a new draft order. */
export function toOrderRow(input: OrderInput, createdBy: string, createdAt: number): Insertable<OrdersTable> {
  return {
    title: input.title,
    authority_name: input.authority.name,
    authority_kind: input.authority.kind,
    legal_instrument: input.legalBasis.instrument,
    legal_article: input.legalBasis.article,
    decision_ref: input.decisionRef,
    scope: JSON.stringify(input.scope),
    action: JSON.stringify(input.action),
    disclosure: JSON.stringify(input.disclosure),
    not_before: input.notBefore,
    expires_at: input.expiresAt,
    is_public: input.public ? 1 : 0,
    status: 'draft',
    created_by: createdBy,
    created_at: createdAt,
    approved_by: null,
    approved_at: null,
  };
}

/** The Order a row holds. Integers go through `Number()` because PostgreSQL returns bigint as text. */
export function toOrder(row: OrderRow): Order {
  return {
    id: Number(row.id),
    title: row.title,
    authority: { name: row.authority_name, kind: row.authority_kind as Authority['kind'] },
    legalBasis: { instrument: row.legal_instrument, article: row.legal_article },
    decisionRef: row.decision_ref,
    scope: JSON.parse(row.scope) as Scope,
    action: JSON.parse(row.action) as OrderAction,
    disclosure: JSON.parse(row.disclosure) as Disclosure,
    notBefore: Number(row.not_before),
    expiresAt: Number(row.expires_at),
    public: Number(row.is_public) === 1,
    status: row.status as OrderStatus,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    approvedBy: row.approved_by,
    approvedAt: row.approved_at === null ? null : Number(row.approved_at),
  };
}

/** Splits `items` into slices of at most `size`, to stay under bound-parameter limits. */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

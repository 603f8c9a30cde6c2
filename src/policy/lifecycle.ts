/**
 * The order lifecycle, pure: the state machine
 *
 *   draft → pending-approval → active → suspended | expired | revoked   (suspended → active again)
 *
 * No store, no clock, no I/O: callers pass `now` and the actor. A transition returns the fields it
 * changes; the store writes them only if the order is still in `from` (compare-and-set), so two
 * racing approvals cannot both win. Validating what a person submits is order-input.ts (re-exported
 * here for the callers that import it from this module).
 */
import { GatehouseError } from '../core/errors.js';
import type { Order, OrderStatus } from './model.js';

export { type OrderInput, type ValidateOrderOptions, validateOrderInput } from './order-input.js';

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);
const iso = (ms: number): string => new Date(ms).toISOString();

/** The acts that move an order between states. */
export type Transition = 'submit' | 'approve' | 'activate' | 'suspend' | 'revoke' | 'expire';

/** What a transition changes; the store writes it only while the order is still `from` (compare-and-set). */
export interface OrderChange {
  readonly orderId: number;
  readonly transition: Transition;
  readonly from: OrderStatus;
  readonly to: OrderStatus;
  /** The normalised name of the user (or `system`) who acted. */
  readonly actor: string;
  readonly at: number;
  /** Set by `approve` only: who and when the second person approved. */
  readonly approvedBy?: string;
  readonly approvedAt?: number;
}

/** The part of an order the state machine looks at. */
export type OrderState = Pick<Order, 'id' | 'status' | 'createdBy' | 'expiresAt'>;

const LIVE: readonly OrderStatus[] = ['draft', 'pending-approval', 'active', 'suspended'];
const MOVES: Record<Transition, { readonly from: readonly OrderStatus[]; readonly to: OrderStatus }> = {
  submit: { from: ['draft'], to: 'pending-approval' },
  approve: { from: ['pending-approval'], to: 'active' },
  activate: { from: ['suspended'], to: 'active' },
  suspend: { from: ['active'], to: 'suspended' },
  revoke: { from: LIVE, to: 'revoked' },
  expire: { from: LIVE, to: 'expired' },
};

/** The actor that performs automatic transitions (expiry). */
export const SYSTEM_ACTOR = 'system';

/**
 * Normalises a user name (trim, NFKC, lowercase) so that `Alice` and `alice` are one person for the
 * two-person rule. Throws GH_ERR_USER_REQUIRED when empty, GH_ERR_USER_INVALID when malformed.
 */
export function normaliseUserName(name: string): string {
  const normal = String(name ?? '')
    .normalize('NFKC')
    .trim()
    .toLowerCase();
  if (normal === '')
    throw new GatehouseError('GH_ERR_USER_REQUIRED', 'acting on the store: a named user is required');
  if (normal.length > 64 || /[\p{Cc}\p{Cf}\s]/u.test(normal)) {
    throw new GatehouseError(
      'GH_ERR_USER_INVALID',
      `invalid user name ${show(name)}: at most 64 characters, no spaces`,
    );
  }
  return normal;
}

/**
 * Checks one transition of `order` by `actor` at `now`, and returns the change to apply.
 * Throws GH_ERR_ORDER_STATE (wrong state, past expiry), GH_ERR_ORDER_SELF_APPROVAL, GH_ERR_USER_*.
 */
export function transition(order: OrderState, name: Transition, actor: string, now: number): OrderChange {
  const who = normaliseUserName(actor);
  const move = MOVES[name];
  if (!move.from.includes(order.status)) {
    throw new GatehouseError('GH_ERR_ORDER_STATE', `order ${order.id} is ${order.status}; cannot ${name}`);
  }
  if (move.to === 'active') {
    // Two-person rule. `activate` (resuming a suspended order) exercises the order's power again, so it
    // too needs someone other than the creator; it need not be the original approver, nor differ from
    // whoever suspended it: suspending only ever reduces power, so it needs no second person.
    if (who === normaliseUserName(order.createdBy)) {
      throw new GatehouseError(
        'GH_ERR_ORDER_SELF_APPROVAL',
        `order ${order.id} was created by "${order.createdBy}"; a second, different user must ${name} it`,
      );
    }
    if (now >= order.expiresAt) {
      throw new GatehouseError(
        'GH_ERR_ORDER_STATE',
        `order ${order.id} expired at ${iso(order.expiresAt)}; cannot ${name}`,
      );
    }
  }
  if (name === 'expire' && now < order.expiresAt) {
    throw new GatehouseError(
      'GH_ERR_ORDER_STATE',
      `order ${order.id} runs until ${iso(order.expiresAt)}; cannot expire`,
    );
  }
  const change: OrderChange = {
    orderId: order.id,
    transition: name,
    from: order.status,
    to: move.to,
    actor: who,
    at: now,
  };
  return name === 'approve' ? { ...change, approvedBy: who, approvedAt: now } : change;
}

type Act = (order: OrderState, actor: string, now: number) => OrderChange;
/** draft → pending-approval, by anyone. */
export const submit: Act = (order, actor, now) => transition(order, 'submit', actor, now);
/** pending-approval → active, by a user other than the creator; records approvedBy and approvedAt. */
export const approve: Act = (order, actor, now) => transition(order, 'approve', actor, now);
/** suspended → active, by a user other than the creator. */
export const activate: Act = (order, actor, now) => transition(order, 'activate', actor, now);
/** active → suspended, by anyone. */
export const suspend: Act = (order, actor, now) => transition(order, 'suspend', actor, now);
/** Any non-final state → revoked, by anyone. */
export const revoke: Act = (order, actor, now) => transition(order, 'revoke', actor, now);
/** Any non-final state → expired, once `now ≥ expiresAt`; the actor is `system` unless given. */
export const expire = (order: OrderState, now: number, actor = SYSTEM_ACTOR): OrderChange =>
  transition(order, 'expire', actor, now);

/** The expiry changes due at `now` among `orders` (for the periodic sweep). */
export function dueForExpiry(orders: Iterable<OrderState>, now: number): OrderChange[] {
  const due: OrderChange[] = [];
  for (const order of orders)
    if (LIVE.includes(order.status) && now >= order.expiresAt) due.push(expire(order, now));
  return due;
}

/** The transitions `order`'s state allows (ignoring who acts and when), for consoles and help text. */
export function allowedTransitions(status: OrderStatus): Transition[] {
  return (Object.keys(MOVES) as Transition[]).filter((t) => MOVES[t].from.includes(status));
}

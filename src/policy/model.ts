/**
 * The policy model: orders and the rules that carry them out.
 * Plain data, no behaviour; the store persists it, `compile.ts` turns it into a lookup structure.
 */
import type { Disclosure } from '../core/decision.js';

/** Who issued the order. */
export interface Authority {
  readonly name: string;
  readonly kind: 'court' | 'independent-body' | 'regulator' | 'operator';
}

/** The legal instrument and article the order rests on. */
export interface LegalBasis {
  readonly instrument: string;
  readonly article: string;
}

/** Where an order applies. Narrower beats wider: groups > isps > national. */
export type Scope =
  | { readonly kind: 'national' }
  | { readonly kind: 'isps'; readonly isps: readonly string[] }
  | { readonly kind: 'groups'; readonly groups: readonly string[] };

/** What an order does to what it targets. */
export type OrderAction =
  | { readonly kind: 'block' }
  | { readonly kind: 'throttle'; readonly bytesPerSecond: number }
  | { readonly kind: 'safe-search' }
  | { readonly kind: 'allow' }
  // Targets are `subscriber:ISP/ID` (subscriber-target.ts); it compiles to nothing in the DNS and
  // proxy tables: the control plane sends RADIUS Disconnect-Requests (identity/disconnect-orders.ts).
  | { readonly kind: 'disconnect' };

/** Lifecycle: draft → pending-approval → active → suspended | expired | revoked (suspended → active again). */
export type OrderStatus = 'draft' | 'pending-approval' | 'active' | 'suspended' | 'expired' | 'revoked';

/** An order: the only thing that can make the gateway act. Times are milliseconds since the epoch. */
export interface Order {
  readonly id: number;
  readonly title: string;
  readonly authority: Authority;
  readonly legalBasis: LegalBasis;
  readonly decisionRef: string;
  readonly scope: Scope;
  readonly action: OrderAction;
  readonly disclosure: Disclosure;
  readonly notBefore: number;
  readonly expiresAt: number;
  readonly public: boolean;
  readonly status: OrderStatus;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly approvedBy: string | null;
  readonly approvedAt: number | null;
}

/** Kinds of rule the matcher knows. `class` is a destination class (class-target.ts). */
export type RuleKind = 'exact' | 'subtree' | 'subdomains' | 'cidr' | 'url' | 'class';

/**
 * One target of an order, written by hand or imported from a list.
 * `value` is canonical: a normalised name, a canonical prefix (`10.0.0.0/8`, `2001:db8::1`),
 * for URLs `host/path-prefix` (host normalised, path as given, starting with `/`), or for
 * classes `international` or `domestic`.
 */
export interface Rule {
  readonly kind: RuleKind;
  readonly value: string;
  /** An exception inside the order's targets (`@@||x^`, `rpz-passthru.`): never acted on. */
  readonly allow?: boolean;
  /** Adblock `$important`: beats non-important exceptions at the same scope. */
  readonly important?: boolean;
  /** RPZ's own answer for this rule, overriding the order's disclosure for DNS. */
  readonly answer?: 'nxdomain' | 'nodata';
}

/** An order and the rules it carries (its own targets plus the current version of each attached list). */
export interface OrderWithRules {
  readonly order: Order;
  readonly rules: Iterable<Rule>;
}

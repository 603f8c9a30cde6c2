/**
 * The decision: one typed value shared by the DNS answer, the HTTP/TLS response,
 * the record, the metrics and the console. Never a bare boolean.
 */

/** What the gateway does with a request. `none` means no order applies. */
export type Action = 'none' | 'allow' | 'block' | 'throttle' | 'safe-search';

/** RFC 8914 INFO-CODEs an order may disclose with. */
export const INFO_CODE = { blocked: 15, censored: 16, filtered: 17 } as const;
export type InfoCode = (typeof INFO_CODE)[keyof typeof INFO_CODE];

/** How a DNS block answers (the order's disclosure picks it). */
export type DnsAnswer = 'nxdomain' | 'nodata' | 'refused' | 'notice';

/** What the order discloses to the person it affects. */
export interface Disclosure {
  readonly infoCode: InfoCode;
  readonly notice: string;
  /** `mailto:`, `tel:` or `sips:` URIs. */
  readonly appeal: readonly string[];
  readonly dnsAnswer: DnsAnswer;
}

/** Why the decision came out as it did: which kind of target matched. */
export type Reason =
  | 'no-match'
  | 'domain-exact'
  | 'domain-subtree'
  | 'domain-subdomains'
  | 'address'
  | 'url-prefix'
  /** A destination-class target (`class:international`): the dialled address's class. */
  | 'destination-class';

/** The outcome of `evaluate`: always present, `action: 'none'` when nothing applies. */
export interface Decision {
  readonly action: Action;
  /** The order that decided, or 0 when none did. */
  readonly orderId: number;
  /** Index of the compiled rule that matched (see `CompiledPolicy.rule`), or -1. */
  readonly ruleId: number;
  readonly reason: Reason;
  /** Low-cardinality label for metrics: the action, never a name. */
  readonly label: Action;
  readonly disclosure: Disclosure | null;
  /** Bytes per second, for throttle decisions. */
  readonly rateBps?: number | undefined;
  /** Set when other candidates tied with this one and the lowest order id won. */
  readonly tieBroken?: boolean | undefined;
  /** The RPZ-style answer a list rule asked for (overrides the order's dnsAnswer). */
  readonly answer?: DnsAnswer | undefined;
}

/** The decision when no order applies. */
export const NO_DECISION: Decision = Object.freeze({
  action: 'none',
  orderId: 0,
  ruleId: -1,
  reason: 'no-match',
  label: 'none',
  disclosure: null,
});

/**
 * Lawful access: what a warrant is, what it may target, and the repository that keeps warrants and
 * their results. A warrant names one target and one time window; its query runs only once it is
 * approved by a judge who is not the requester (or, if urgent, before approval, to be reviewed by a
 * deadline or sealed). See docs/warrants.md.
 */

/** Who or what the warrant is about; exactly one kind. */
export type WarrantTarget =
  /** A subscriber of an ISP, by the ISP's subscriber id (mapped to each epoch's pseudonym). */
  | { readonly kind: 'subscriber'; readonly isp: string; readonly subscriber: string }
  /** One epoch's pseudonym as it appears in records. */
  | { readonly kind: 'pseudonym'; readonly pseudonym: string }
  /** A destination name: DNS query names and proxied flows' destination names, the name and below it. */
  | { readonly kind: 'destination'; readonly name: string }
  /** Whoever used a client address during the window. */
  | { readonly kind: 'address'; readonly address: string };

/** The kinds of target, for validation and display. */
export const TARGET_KINDS = ['subscriber', 'pseudonym', 'destination', 'address'] as const;

/** How fast the authority needs the records. */
export type Urgency = 'normal' | 'urgent';

/** A validated warrant request (see `validateWarrantInput`). Times are epoch milliseconds. */
export interface WarrantInput {
  /** The requesting authority (a police unit, a prosecutor's office). */
  readonly authority: string;
  /** The authority's authorisation reference (case or file number). */
  readonly reference: string;
  /** One of `access.crimeCategories`. */
  readonly crimeCategory: string;
  readonly target: WarrantTarget;
  /** Start of the window, inclusive. */
  readonly from: number;
  /** End of the window, exclusive. */
  readonly to: number;
  readonly justification: string;
  readonly urgency: Urgency;
}

/**
 * Where a warrant stands. `requested` → `approved` | `refused`; `approved` → `executed`. An urgent
 * warrant may go `requested` → `executed` before review; its review then approves it (it stays
 * `executed`) or refuses it (`refused`, results sealed).
 */
export type WarrantStatus = 'requested' | 'approved' | 'refused' | 'executed';

/** Why a warrant's results may not be read. */
export type SealReason = 'refused' | 'review-overdue';

/** A stored warrant. */
export interface Warrant extends WarrantInput {
  readonly id: number;
  readonly status: WarrantStatus;
  readonly requestedBy: string;
  readonly requestedAt: number;
  /** The judge's decision; null until decided. */
  readonly decision: 'approved' | 'refused' | null;
  readonly decidedBy: string | null;
  readonly decidedAt: number | null;
  /** The recorded reason (required for a refusal). */
  readonly decisionReason: string | null;
  readonly executedBy: string | null;
  readonly executedAt: number | null;
  /** For an urgent warrant executed before approval: when its review is due. */
  readonly reviewDue: number | null;
  /** Records found (after execution). */
  readonly resultCount: number | null;
  /** SHA-256 (hex) of the results' JSON export body (see docs/warrants.md). */
  readonly resultSha256: string | null;
  /** Epochs of the window whose pseudonym key is gone: their records cannot be linked. */
  readonly unlinkableEpochs: readonly number[];
  /** True when the query hit `access.maxResults` and stopped. */
  readonly truncated: boolean;
  readonly sealedAt: number | null;
  readonly sealReason: SealReason | null;
  /** When the person concerned is to be notified (set on execution). */
  readonly notifyDue: number | null;
  readonly notifiedAt: number | null;
  readonly notifiedBy: string | null;
  readonly notifyNote: string | null;
}

/** One record found by a warrant: a DNS query or a proxied flow, as it was stored. */
export type WarrantRecord =
  | { readonly kind: 'dns'; readonly time: number; readonly record: Readonly<Record<string, unknown>> }
  | { readonly kind: 'flow'; readonly time: number; readonly record: Readonly<Record<string, unknown>> };

/** What an execution found, as stored with the warrant. */
export interface ExecutionResult {
  readonly records: readonly WarrantRecord[];
  readonly sha256: string;
  readonly unlinkableEpochs: readonly number[];
  readonly truncated: boolean;
}

/** Deadlines an execution sets (computed by the caller from configuration). */
export interface ExecutionDeadlines {
  /** Review deadline for an urgent warrant executed before approval; ignored otherwise. */
  readonly reviewDue: number;
  readonly notifyDue: number;
}

/** Filter for `warrants.list`. */
export interface WarrantFilter {
  readonly status?: WarrantStatus | readonly WarrantStatus[];
}

/** Counts per calendar month (UTC, `YYYY-MM`), for the transparency report. */
export interface WarrantMonth {
  readonly month: string;
  readonly requested: number;
  readonly approved: number;
  readonly refused: number;
  readonly executed: number;
  readonly notified: number;
}

/**
 * Warrants, their decisions, executions, results and notifications. Every state change and every
 * read of results appends its audit entry (object `warrant/ID`) in the same transaction.
 */
export interface WarrantRepository {
  /** Saves a validated request by `actor` (status `requested`). */
  request(input: WarrantInput, actor: string, at?: number): Promise<Warrant>;
  get(id: number): Promise<Warrant | undefined>;
  /** The warrant, or GH_ERR_WARRANT_NOT_FOUND. */
  require(id: number): Promise<Warrant>;
  /** Warrants by id, newest first. */
  list(filter?: WarrantFilter): Promise<Warrant[]>;
  /**
   * Approves a requested warrant, or reviews an urgent executed one. GH_ERR_WARRANT_SELF_APPROVAL when
   * `actor` requested it; GH_ERR_WARRANT_STATE when already decided or refused. An urgent warrant
   * reviewed after its deadline stays sealed.
   */
  approve(id: number, actor: string, at: number, reason?: string | null): Promise<Warrant>;
  /** Refuses (with a reason) a requested warrant, or an urgent executed one (its results are sealed). */
  refuse(id: number, actor: string, reason: string, at: number): Promise<Warrant>;
  /**
   * Stores an execution's results: an approved warrant, or an urgent one not yet decided.
   * GH_ERR_WARRANT_STATE otherwise (refused, already executed).
   */
  execute(
    id: number,
    actor: string,
    at: number,
    result: ExecutionResult,
    deadlines: ExecutionDeadlines,
  ): Promise<Warrant>;
  /**
   * The stored records, audited as a record access by `actor`. GH_ERR_WARRANT_SEALED when sealed (a
   * review found overdue now is sealed first, audited as `warrant.seal` by `system`);
   * GH_ERR_WARRANT_STATE when not executed.
   */
  results(id: number, actor: string, at: number, purpose: string): Promise<readonly WarrantRecord[]>;
  /** Seals every urgent warrant whose review is overdue at `at`; returns those sealed now. */
  sealOverdue(at: number): Promise<Warrant[]>;
  /** Executed warrants whose person concerned is not yet notified (due on or before `overdueAt` if given). */
  pendingNotifications(overdueAt?: number): Promise<Warrant[]>;
  /** Records that the person concerned was notified. GH_ERR_WARRANT_STATE when not executed or already notified. */
  markNotified(id: number, actor: string, at: number, note?: string | null): Promise<Warrant>;
  /** Counts per month, oldest first. */
  stats(): Promise<WarrantMonth[]>;
}

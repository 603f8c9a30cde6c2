/**
 * The audit log's vocabulary: what is appended, what is stored, what verification reports.
 * The hash of each entry is defined in `hash.ts` and documented in `docs/audit.md`.
 */

/** What a caller appends: who did what to which object, with details. The store adds seq, time and hashes. */
export interface AuditInput {
  /** The acting user (normalised like every store actor) or `system`. */
  readonly actor: string;
  /** `area.verb`, lowercase: `order.create`, `order.approve`, `list.import`, `records.access`… */
  readonly action: string;
  /** `kind/id`: `order/17`, `list/3`, `user/alice`. */
  readonly object: string;
  /** A JSON object of finite values; stored canonicalised (sorted keys, no whitespace). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** One entry as stored: the fields the hash covers, `details` as its canonical JSON text. */
export interface AuditRecord {
  readonly seq: number;
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly actor: string;
  readonly action: string;
  readonly object: string;
  /** Canonical JSON text of the details object. */
  readonly details: string;
  /** The hash of entry `seq - 1`, or 64 zeros for entry 1 (lowercase hex). */
  readonly prev: string;
  /** SHA-256 (lowercase hex) of the entry's canonical encoding (`encodeAuditRecord`). */
  readonly hash: string;
}

/** One entry as read back, details parsed. */
export type AuditEntry = Omit<AuditRecord, 'details'> & { readonly details: Record<string, unknown> };

/** Filter for `AuditRepository.entries`: inclusive seq bounds, exact matches, ascending by seq. */
export interface AuditQuery {
  readonly from?: number;
  readonly to?: number;
  /** At most this many entries (1 to 10,000). */
  readonly limit: number;
  readonly actor?: string;
  readonly action?: string;
  readonly object?: string;
}

/** The last entry of the chain: `seq` 0 and 64 zeros for an empty log. */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
  /** The time of that last entry (0 for an empty log). */
  readonly time: number;
}

/** A head signed for publication. `time` is when it was signed, not the time of the entry. */
export interface SignedHead {
  readonly seq: number;
  readonly hash: string;
  readonly time: number;
  /** Ed25519 signature (base64) over `headSigningInput(seq, hash, time)`. */
  readonly signature: string;
  /** The signer's public key, SPKI PEM. */
  readonly publicKey: string;
}

/** How verification found the chain broken. */
export type AuditProblem = 'modified' | 'missing' | 'inserted' | 'reordered' | 'broken-link';

/** A verification failure at the first broken entry; `expected` and `found` are hashes or `seq N`. */
export interface VerifyFailure {
  readonly ok: false;
  readonly seq: number;
  readonly problem: AuditProblem;
  readonly expected?: string;
  readonly found?: string;
}

/** The outcome of walking the whole chain. */
export type VerifyResult =
  | { readonly ok: true; readonly entries: number; readonly head: AuditHead }
  | VerifyFailure;

/** Options for `verify`. */
export interface VerifyOptions {
  /** Entries read per query (default 10,000). */
  readonly pageSize?: number;
  /**
   * A head published earlier (and trusted): the chain must reach it and hold that hash at that seq.
   * Without it, entries deleted from the end of the log cannot be told from a shorter log.
   */
  readonly trusted?: Pick<AuditHead, 'seq' | 'hash'>;
}

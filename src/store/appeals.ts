/**
 * Appeals against orders: what the public files through the portal and operators decide.
 *
 * The contact (an optional e-mail address) is personal data: it is stored for the operators who
 * answer the appeal and for nothing else. It never goes into the audit log and never onto a public
 * page; `publicAppeal` is the one view the portal shows.
 */
import { GatehouseError } from '../core/errors.js';

/** Who appeals: the owner of a blocked site, or a user who cannot reach it. */
export type AppellantKind = 'site-owner' | 'user';

/** `filed` until decided; `upheld` means the appeal succeeded, `rejected` that it failed. */
export type AppealStatus = 'filed' | 'upheld' | 'rejected';

/** A decision's outcome. */
export type AppealOutcome = Exclude<AppealStatus, 'filed'>;

/** What the public submits. */
export interface AppealInput {
  readonly orderId: number;
  readonly appellant: AppellantKind;
  /** An e-mail address, or null when the appellant gives none. */
  readonly contact: string | null;
  readonly grounds: string;
}

/** An appeal as operators see it (contact included). */
export interface Appeal {
  readonly id: number;
  /** The unguessable tracking reference the appellant keeps. */
  readonly ref: string;
  readonly orderId: number;
  readonly appellant: AppellantKind;
  readonly contact: string | null;
  readonly grounds: string;
  readonly status: AppealStatus;
  readonly filedAt: number;
  readonly decidedBy: string | null;
  readonly decidedAt: number | null;
  readonly reason: string | null;
}

/** An appeal as the public sees it: no contact, no internal id. */
export type PublicAppeal = Omit<Appeal, 'contact' | 'id'>;

/** A decision on an appeal. */
export interface AppealDecision {
  readonly outcome: AppealOutcome;
  readonly reason: string;
}

/** Filter for `appeals.list`. */
export interface AppealFilter {
  readonly status?: AppealStatus;
  readonly orderId?: number;
  /** At most this many, newest first (default and maximum 1000). */
  readonly limit?: number;
}

/** Appeals; filing is audited as actor `public`, deciding as the named actor. */
export interface AppealRepository {
  /**
   * Files an appeal against an existing order (GH_ERR_ORDER_NOT_FOUND otherwise) and returns it with
   * a fresh tracking reference. GH_ERR_APPEAL_INVALID for a malformed input.
   */
  file(input: AppealInput): Promise<Appeal>;
  /** The appeal with that reference, or undefined. */
  get(ref: string): Promise<Appeal | undefined>;
  /** Appeals, newest first. */
  list(filter?: AppealFilter): Promise<Appeal[]>;
  /**
   * Decides a filed appeal (compare-and-set: GH_ERR_APPEAL_STATE when it was decided already,
   * GH_ERR_APPEAL_NOT_FOUND when there is no such reference).
   */
  decide(ref: string, decision: AppealDecision, actor: string): Promise<Appeal>;
}

/** Limits on what is stored (characters). */
export const APPEAL_LIMITS = { grounds: 5000, reason: 5000, contact: 254 } as const;

/** The audit actor of everything the anonymous public does. */
export const PUBLIC_ACTOR = 'public';

const APPELLANTS: readonly string[] = ['site-owner', 'user'];
const OUTCOMES: readonly string[] = ['upheld', 'rejected'];
// Deliberately loose (RFC 5322 is far wider): one @, something on each side, a dot in the domain.
const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>".]+$/;

const invalid = (message: string) => new GatehouseError('GH_ERR_APPEAL_INVALID', message);
const show = (v: unknown) => JSON.stringify(v)?.slice(0, 80) ?? String(v);

function text(value: unknown, what: string, max: number): string {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (trimmed === '') throw invalid(`filing an appeal: ${what} is required`);
  if (trimmed.length > max) throw invalid(`${what}: at most ${max} characters, got ${trimmed.length}`);
  return trimmed;
}

/** Checks and normalises an appeal (trimmed text, lowercased e-mail domain); GH_ERR_APPEAL_INVALID. */
export function validateAppealInput(input: AppealInput): AppealInput {
  if (!Number.isSafeInteger(input.orderId) || input.orderId < 1) {
    throw invalid(`order: expected an order id, got ${show(input.orderId)}`);
  }
  if (!APPELLANTS.includes(input.appellant)) {
    throw invalid(`appellant: expected "site-owner" or "user", got ${show(input.appellant)}`);
  }
  let contact: string | null = null;
  if (input.contact !== null && String(input.contact).trim() !== '') {
    contact = String(input.contact).trim();
    if (contact.length > APPEAL_LIMITS.contact || !EMAIL.test(contact)) {
      throw invalid('contact: expected an e-mail address such as name@example.org');
    }
  }
  const grounds = text(input.grounds, 'grounds', APPEAL_LIMITS.grounds);
  return { orderId: input.orderId, appellant: input.appellant, contact, grounds };
}

/** Checks a decision; GH_ERR_APPEAL_INVALID. */
export function validateAppealDecision(decision: AppealDecision): AppealDecision {
  if (!OUTCOMES.includes(decision.outcome)) {
    throw invalid(`outcome: expected "upheld" or "rejected", got ${show(decision.outcome)}`);
  }
  return { outcome: decision.outcome, reason: text(decision.reason, 'reason', APPEAL_LIMITS.reason) };
}

/** The public view of an appeal. */
export function publicAppeal(appeal: Appeal): PublicAppeal {
  const { contact: _contact, id: _id, ...rest } = appeal;
  return rest;
}

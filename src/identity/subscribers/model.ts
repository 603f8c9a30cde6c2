/**
 * Subscriber identity records: what an ISP keeps about each subscriber it has verified, and the
 * rules every field must meet. Plain data and pure validation; sealing is in `seal.ts`, storage in
 * `store/sql/subscribers.ts`.
 */

/** The identity fields: sealed at rest (AES-256-GCM), never in audit details or logs. */
export const IDENTITY_FIELDS = ['name', 'documentType', 'documentNumber', 'address', 'phone'] as const;
/** One identity field's name. */
export type IdentityField = (typeof IDENTITY_FIELDS)[number];

/** A verified subscriber, in clear (only ever in memory). */
export interface Subscriber {
  readonly isp: string;
  /** The ISP's own subscriber id: what RADIUS accounting reports as User-Name. */
  readonly id: string;
  readonly name: string;
  /** `passport`, `national-id`, `residence-permit`, … (lowercase token). */
  readonly documentType: string;
  readonly documentNumber: string;
  readonly address: string;
  /** E.164 (`+3725551234`). */
  readonly phone: string;
  /** When the identity was verified (ms since the epoch). */
  readonly verifiedAt: number;
  /** How: `in-person`, `eid`, `video`, … (lowercase token). */
  readonly verificationMethod: string;
}

/** A stored subscriber in clear, with its bookkeeping. */
export interface SubscriberRecord extends Subscriber {
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

/** ISP ids, as in the configuration (`radius.clients[].isp`). */
export const ISP_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Printable, no spaces, at most 128 characters (it appears in audit objects and RADIUS User-Name). */
const ID_PATTERN = /^[^\s\p{Cc}\p{Cf}]{1,128}$/u;
const TOKEN = /^[a-z][a-z0-9-]{0,31}$/;
/** Control characters other than the line breaks an address may hold. */
const CONTROL = /[\p{Cc}\p{Cf}]/u;
const ADDRESS_CONTROL = /[^\P{Cc}\n\r]|\p{Cf}/u;
/** RFC 3339 full-date, optionally with a time. */
const DATE = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)?)?$/;

/** One problem with one field of one row: `where` is `line 7` (CSV) or `[3]` (JSON). */
export interface RowProblem {
  readonly where: string;
  readonly field: string;
  readonly message: string;
}

const show = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
};

/** True when `isp` is a well-formed ISP id. */
export function isIspId(isp: string): boolean {
  return ISP_PATTERN.test(isp);
}

/** True when `id` is a well-formed subscriber id. */
export function isSubscriberId(id: string): boolean {
  return ID_PATTERN.test(id);
}

type Check = (value: string, now: number) => string | { ok: string | number };

// Identity values are never echoed in messages (they are personal data); tokens and ids may be.
const CHECKS: Record<Exclude<keyof Subscriber, 'isp'>, Check> = {
  id: (v) =>
    ID_PATTERN.test(v) ? { ok: v } : `must be 1 to 128 printable characters without spaces, got ${show(v)}`,
  name: (v) => (v.length <= 200 && !CONTROL.test(v) ? { ok: v } : 'must be at most 200 characters, one line'),
  documentType: (v) => {
    const t = v.toLowerCase();
    return TOKEN.test(t)
      ? { ok: t }
      : `must be a lowercase token like "passport" or "national-id", got ${show(v)}`;
  },
  documentNumber: (v) =>
    v.length <= 64 && !CONTROL.test(v) ? { ok: v } : 'must be at most 64 characters, one line',
  address: (v) =>
    v.length <= 500 && !ADDRESS_CONTROL.test(v) ? { ok: v } : 'must be at most 500 characters',
  phone: (v) => {
    const digits = v.replace(/[\s().-]/g, '');
    return /^\+[1-9]\d{6,14}$/.test(digits)
      ? { ok: digits }
      : 'must be an international number (E.164, "+3725551234")';
  },
  verifiedAt: (v, now) => {
    const ms = DATE.test(v) ? Date.parse(v) : Number.NaN;
    if (!Number.isFinite(ms)) return `must be a date (YYYY-MM-DD) or an ISO 8601 time, got ${show(v)}`;
    return ms > now ? `must not be in the future, got ${show(v)}` : { ok: ms };
  },
  verificationMethod: (v) => {
    const t = v.toLowerCase();
    return TOKEN.test(t) ? { ok: t } : `must be a lowercase token like "in-person" or "eid", got ${show(v)}`;
  },
};

/** The fields a row must have (every field of a Subscriber but its ISP, which the import names). */
export const ROW_FIELDS = Object.keys(CHECKS) as (keyof typeof CHECKS)[];

/**
 * Validates and normalises one row (`values` by field name; strings, numbers for `verifiedAt` allowed)
 * for `isp`. Returns the subscriber, or every problem found, each naming its field.
 */
export function validateRow(
  isp: string,
  values: Readonly<Record<string, unknown>>,
  where: string,
  now: number,
): Subscriber | RowProblem[] {
  const problems: RowProblem[] = [];
  const out: Record<string, string | number> = { isp };
  for (const field of ROW_FIELDS) {
    let raw = values[field];
    if (field === 'verifiedAt' && typeof raw === 'number' && Number.isSafeInteger(raw)) {
      raw = new Date(raw).toISOString();
    }
    if (typeof raw !== 'string' || raw.trim() === '') {
      const message = raw === undefined || raw === '' ? 'required' : `must be a string, got ${show(raw)}`;
      problems.push({ where, field, message });
      continue;
    }
    const result = CHECKS[field](raw.trim(), now);
    if (typeof result === 'string') problems.push({ where, field, message: result });
    else out[field] = result.ok;
  }
  return problems.length > 0 ? problems : (out as unknown as Subscriber);
}

/** `line 7: phone: must be …`: how a problem reads in errors and on the terminal. */
export function formatProblem(p: RowProblem): string {
  return `${p.where}: ${p.field}: ${p.message}`;
}

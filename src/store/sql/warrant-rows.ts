/**
 * The warrant tables (migration 3) as Kysely sees them, and rows ↔ values. Declared here rather
 * than in schema.ts so lawful access stays one self-contained addition; PostgreSQL returns bigint as
 * text, so every integer goes through `Number()`.
 */
import type { Generated } from 'kysely';
import type {
  SealReason,
  Warrant,
  WarrantInput,
  WarrantMonth,
  WarrantStatus,
  WarrantTarget,
} from '../../access/types.js';
import type { Database } from '../schema.js';

/** `warrants`: one row per warrant, its decision, execution, seal and notification. */
export interface WarrantsTable {
  id: Generated<number>;
  authority: string;
  reference: string;
  crime_category: string;
  target_kind: string;
  /** The target as JSON. */
  target: string;
  justification: string;
  window_from: number;
  window_to: number;
  urgency: string;
  status: string;
  requested_by: string;
  requested_at: number;
  decision: string | null;
  decided_by: string | null;
  decided_at: number | null;
  decision_reason: string | null;
  executed_by: string | null;
  executed_at: number | null;
  review_due: number | null;
  result_count: number | null;
  result_sha256: string | null;
  /** JSON array of epoch numbers. */
  unlinkable_epochs: string;
  truncated: number;
  sealed_at: number | null;
  seal_reason: string | null;
  notify_due: number | null;
  notified_at: number | null;
  notified_by: string | null;
  notify_note: string | null;
}

/** `warrant_results`: one row per record an execution found. */
export interface WarrantResultsTable {
  warrant_id: number;
  position: number;
  kind: string;
  at: number;
  /** The record as JSON. */
  data: string;
}

/** The tables lawful access adds. */
export type WarrantTables = {
  warrants: WarrantsTable;
  warrant_results: WarrantResultsTable;
};

/** The schema with the warrant tables. */
export type WarrantDb = Database & WarrantTables;

/** A row as read (ids and times possibly strings on PostgreSQL). */
export type WarrantRow = {
  [K in keyof WarrantsTable]: WarrantsTable[K] extends Generated<infer T> ? T : WarrantsTable[K];
};

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A row back to a warrant. */
export function toWarrant(row: WarrantRow): Warrant {
  return {
    id: Number(row.id),
    authority: row.authority,
    reference: row.reference,
    crimeCategory: row.crime_category,
    target: JSON.parse(row.target) as WarrantTarget,
    from: Number(row.window_from),
    to: Number(row.window_to),
    justification: row.justification,
    urgency: row.urgency as Warrant['urgency'],
    status: row.status as WarrantStatus,
    requestedBy: row.requested_by,
    requestedAt: Number(row.requested_at),
    decision: row.decision as Warrant['decision'],
    decidedBy: row.decided_by,
    decidedAt: num(row.decided_at),
    decisionReason: row.decision_reason,
    executedBy: row.executed_by,
    executedAt: num(row.executed_at),
    reviewDue: num(row.review_due),
    resultCount: num(row.result_count),
    resultSha256: row.result_sha256,
    unlinkableEpochs: JSON.parse(row.unlinkable_epochs) as number[],
    truncated: Number(row.truncated) === 1,
    sealedAt: num(row.sealed_at),
    sealReason: row.seal_reason as SealReason | null,
    notifyDue: num(row.notify_due),
    notifiedAt: num(row.notified_at),
    notifiedBy: row.notified_by,
    notifyNote: row.notify_note,
  };
}

/** The columns of a new request. */
export function requestRow(input: WarrantInput, actor: string, at: number) {
  return {
    authority: input.authority,
    reference: input.reference,
    crime_category: input.crimeCategory,
    target_kind: input.target.kind,
    target: JSON.stringify(input.target),
    justification: input.justification,
    window_from: input.from,
    window_to: input.to,
    urgency: input.urgency,
    status: 'requested',
    requested_by: actor,
    requested_at: at,
    unlinkable_epochs: '[]',
    truncated: 0,
  };
}

type Counted = 'requested' | 'approved' | 'refused' | 'executed' | 'notified';
type Times = Pick<WarrantRow, 'requested_at' | 'decision' | 'decided_at' | 'executed_at' | 'notified_at'>;

/** Counts per UTC month of requests, decisions, executions and notifications, oldest month first. */
export function monthlyCounts(rows: readonly Times[]): WarrantMonth[] {
  const months = new Map<string, Record<Counted, number>>();
  const bump = (at: unknown, key: Counted) => {
    if (at === null || at === undefined) return;
    const m = new Date(Number(at)).toISOString().slice(0, 7);
    const counts = months.get(m) ?? { requested: 0, approved: 0, refused: 0, executed: 0, notified: 0 };
    counts[key]++;
    months.set(m, counts);
  };
  for (const r of rows) {
    bump(r.requested_at, 'requested');
    if (r.decision === 'approved' || r.decision === 'refused') bump(r.decided_at, r.decision);
    bump(r.executed_at, 'executed');
    bump(r.notified_at, 'notified');
  }
  return [...months].sort(([a], [b]) => a.localeCompare(b)).map(([month, c]) => ({ month, ...c }));
}

/**
 * The vocabulary of list import: formats, options, and the summary every importer returns.
 * Plain types plus the one formatter that turns a line error into `file:line: what: text`.
 */
import type { Rule } from '../model.js';

/** The list formats Gatehouse imports (see docs/formats.md for each one's semantics). */
export type ListFormat = 'hosts' | 'domains' | 'adblock' | 'rpz' | 'citizenlab';

/** Every importable format, in documentation order. */
export const LIST_FORMATS: readonly ListFormat[] = ['hosts', 'domains', 'adblock', 'rpz', 'citizenlab'];

/** Progress of a running import: lines and bytes read so far, and the size when known. */
export interface ImportProgress {
  readonly lines: number;
  readonly bytes: number;
  readonly totalBytes?: number;
}

/** Options shared by `importList` and `parseListText`. */
export interface ImportOptions {
  /** Name used in messages; defaults to the path (or `<stream>` / `<text>`). */
  readonly source?: string;
  /**
   * Most bad lines tolerated before the import fails with GH_ERR_LIST_ERROR_BUDGET.
   * Default: max(1000, 1% of the lines read so far).
   */
  readonly errorBudget?: number;
  /** Called every 65,536 lines and once at the end. */
  readonly onProgress?: (p: ImportProgress) => void;
  /** RPZ only: the zone's origin when the file has no `$ORIGIN` (absolute owners are made relative to it). */
  readonly origin?: string;
}

/** One bad line: where, what was wrong, and the line itself. */
export interface LineError {
  readonly line: number;
  readonly message: string;
  readonly text: string;
}

/** A warning reason: how often it happened and the first few lines that caused it. */
export interface WarningCount {
  count: number;
  readonly examples: { readonly line: number; readonly text: string }[];
}

/**
 * What an import produced. Every entry (one per line; a hosts line with n names is n entries)
 * ends in exactly one of: accepted, duplicates, skipped[reason] or errors, so
 * `accepted + duplicates + Σ skipped + errors.length === entries`.
 */
export interface ImportSummary {
  readonly source: string;
  readonly format: ListFormat;
  /** The distinct rules, normalised (see docs/formats.md, "Normal form"). */
  readonly rules: Rule[];
  readonly lines: number;
  readonly entries: number;
  /** Distinct rules kept (`rules.length`). */
  readonly accepted: number;
  readonly duplicates: number;
  /** Entries that became no rule, by reason (comments and blank lines included). */
  readonly skipped: Record<string, number>;
  /** Things a person should know about (unsupported syntax, approximations), by reason. */
  readonly warnings: Record<string, WarningCount>;
  readonly errors: LineError[];
  /** Citizen Lab only: rows per category code. */
  readonly categories?: Record<string, number>;
}

/** Formats a line error for people: `file:line: what was wrong: the text`. */
export function formatLineError(source: string, e: LineError): string {
  const text = e.text.length > 200 ? `${e.text.slice(0, 200)}…` : e.text;
  return `${source}:${e.line}: ${e.message}: ${text}`;
}

/**
 * Accumulates one import: distinct rules, skips, warnings and line errors, and enforces the
 * error budget. Importers call exactly one outcome (`rule`, `skip`, `unsupported`, `error`) per entry.
 */
import { GatehouseError } from '../../core/errors.js';
import type { Rule } from '../model.js';
import {
  formatLineError,
  type ImportSummary,
  type LineError,
  type ListFormat,
  type WarningCount,
} from './summary.js';

const EXAMPLES_PER_WARNING = 3;
const ERRORS_IN_DETAILS = 20;
/** Default budget floor; the budget is max(this, 1% of lines read so far). */
export const DEFAULT_ERROR_FLOOR = 1000;

/** The identity of a rule for deduplication: every field that changes what the rule does. */
export function ruleKey(r: Rule): string {
  return `${flagKey(r)}|${r.value}`;
}

/** The part of a rule's identity that is not its value: kind and flags. */
function flagKey(r: Omit<Rule, 'value'>): string {
  if (!r.allow && !r.important && !r.answer) return r.kind;
  return `${r.kind}|${r.allow ? 'a' : ''}${r.important ? 'i' : ''}|${r.answer ?? ''}`;
}

function withKind(r: Omit<Rule, 'value'>, kind: Rule['kind']): Omit<Rule, 'value'> {
  return { ...r, kind };
}

/** Rules that differ only in their value share a bucket: deduplication hashes the value alone. */
interface Bucket {
  readonly template: Omit<Rule, 'value'>;
  readonly values: Set<string>;
}

/** Collects the outcome of every entry of one list. */
export class ListCollector {
  readonly source: string;
  readonly format: ListFormat;
  /** Line number (1-based) and text of the line being parsed; set by the reader. */
  lineNo = 0;
  text = '';
  lines = 0;
  entries = 0;
  duplicates = 0;
  categories: Record<string, number> | undefined;
  readonly #buckets = new Map<string, Bucket>();
  readonly #skipped: Record<string, number> = {};
  readonly #warnings: Record<string, WarningCount> = {};
  readonly #errors: LineError[] = [];
  readonly #budget: number | undefined;

  constructor(source: string, format: ListFormat, errorBudget?: number) {
    this.source = source;
    this.format = format;
    this.#budget = errorBudget;
  }

  /** Starts a new line: one entry unless the parser declares more with `moreEntries`. */
  startLine(text: string): void {
    this.lines++;
    this.lineNo = this.lines;
    this.text = text;
    this.entries++;
  }

  /** A line that holds several entries (a hosts line with several names). */
  moreEntries(n: number): void {
    this.entries += n;
  }

  #bucket(template: Omit<Rule, 'value'>, create: boolean): Bucket | undefined {
    const key = flagKey(template);
    let b = this.#buckets.get(key);
    if (!b && create) {
      const { kind, allow, important, answer } = template;
      b = {
        template: {
          kind,
          ...(allow ? { allow } : {}),
          ...(important ? { important } : {}),
          ...(answer ? { answer } : {}),
        },
        values: new Set(),
      };
      this.#buckets.set(key, b);
    }
    return b;
  }

  /** Accepts a rule, or counts it as a duplicate. */
  rule(r: Rule): void {
    const values = (this.#bucket(r, true) as Bucket).values;
    const before = values.size;
    values.add(r.value);
    if (values.size === before) this.duplicates++;
  }

  /** An entry that is no rule, by design (comment, header, local host entry…). */
  skip(reason: string): void {
    this.#skipped[reason] = (this.#skipped[reason] ?? 0) + 1;
  }

  /** A warning about the current line (does not decide its outcome). */
  warn(reason: string): void {
    let w = this.#warnings[reason];
    if (!w) {
      w = { count: 0, examples: [] };
      this.#warnings[reason] = w;
    }
    w.count++;
    if (w.examples.length < EXAMPLES_PER_WARNING) w.examples.push({ line: this.lineNo, text: this.text });
  }

  /** An entry skipped because Gatehouse cannot express it exactly: skipped and warned under one reason. */
  unsupported(reason: string): void {
    this.skip(reason);
    this.warn(reason);
  }

  /** A bad entry; throws GH_ERR_LIST_ERROR_BUDGET once the budget is exceeded. */
  error(message: string): void {
    this.#errors.push({ line: this.lineNo, message, text: this.text });
    const budget = this.#budget ?? Math.max(DEFAULT_ERROR_FLOOR, Math.floor(this.lines / 100));
    if (this.#errors.length > budget) {
      const details = this.#errors.slice(0, ERRORS_IN_DETAILS).map((e) => formatLineError(this.source, e));
      throw new GatehouseError(
        'GH_ERR_LIST_ERROR_BUDGET',
        `importing "${this.source}" as ${this.format}: more than ${budget} bad lines (stopped at line ${this.lineNo})`,
        details,
      );
    }
  }

  /** Removes an accepted rule (a `$badfilter`), counting it under `reason`. Returns false if absent. */
  remove(r: Rule, reason: string): boolean {
    if (!this.#bucket(r, false)?.values.delete(r.value)) return false;
    this.skip(reason);
    return true;
  }

  /**
   * Brings the rules to normal form: a name's exact and subdomains rules with the same flags
   * become one subtree rule; an exact or subdomains rule beside an identical subtree rule is dropped.
   */
  #normalise(): void {
    for (const b of [...this.#buckets.values()]) {
      if (b.template.kind !== 'subdomains') continue;
      const exact = this.#bucket(withKind(b.template, 'exact'), false);
      if (!exact) continue;
      for (const value of b.values) {
        if (!exact.values.delete(value)) continue;
        b.values.delete(value);
        this.skip('merged: name and *.name make one subtree rule');
        this.rule({ ...withKind(b.template, 'subtree'), value });
      }
    }
    for (const b of [...this.#buckets.values()]) {
      if (b.template.kind !== 'subtree') continue;
      for (const kind of ['exact', 'subdomains'] as const) {
        const other = this.#bucket(withKind(b.template, kind), false);
        if (!other) continue;
        for (const value of b.values) {
          if (other.values.delete(value)) this.skip('covered by an identical subtree rule');
        }
      }
    }
  }

  /** Ends the import and returns its summary. */
  finish(): ImportSummary {
    this.#normalise();
    const rules: Rule[] = [];
    for (const { template, values } of this.#buckets.values()) {
      const plain = Object.keys(template).length === 1;
      for (const value of values) rules.push(plain ? { kind: template.kind, value } : { ...template, value });
    }
    return {
      source: this.source,
      format: this.format,
      rules,
      lines: this.lines,
      entries: this.entries,
      accepted: rules.length,
      duplicates: this.duplicates,
      skipped: this.#skipped,
      warnings: this.#warnings,
      errors: this.#errors,
      ...(this.categories ? { categories: this.categories } : {}),
    };
  }
}

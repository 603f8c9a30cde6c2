/**
 * Rule export: one generator of lines per format, run either into a string (`exportRules`) or
 * into a Writable with backpressure (`writeRules`). Rules a format cannot express are omitted and
 * counted by reason; rules written with a flag the format cannot carry are counted as degraded.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { GatehouseError } from '../../core/errors.js';
import type { Rule } from '../model.js';
import { hostsLines } from './export-hosts.js';
import { nftablesLines } from './export-nftables.js';
import type { ExportFormat, ExportOptions, ExportTally } from './export-options.js';
import { rpzLines } from './export-rpz.js';
import { unboundLines } from './export-unbound.js';

/** How an export went: rules written, omitted (not expressible) and degraded (a flag dropped). */
export interface ExportSummary {
  readonly format: ExportFormat;
  written: number;
  /** Rules the format cannot express, so not written (`lossy` is their total). */
  readonly omitted: Record<string, number>;
  lossy: number;
  /** Rules written without a flag the format cannot carry ($important, a DNS answer). */
  readonly degraded: Record<string, number>;
}

/** An export held in memory. */
export interface ExportResult extends ExportSummary {
  readonly text: string;
}

function createSummary(format: ExportFormat): ExportSummary & ExportTally {
  return {
    format,
    written: 0,
    omitted: {},
    lossy: 0,
    degraded: {},
    omit(reason) {
      this.omitted[reason] = (this.omitted[reason] ?? 0) + 1;
      this.lossy++;
    },
    degrade(reason) {
      this.degraded[reason] = (this.degraded[reason] ?? 0) + 1;
    },
  };
}

function lines(
  format: ExportFormat,
  rules: Iterable<Rule>,
  t: ExportTally,
  opts: ExportOptions,
): Iterable<string> {
  switch (format) {
    case 'rpz':
      return rpzLines(rules, t, opts);
    case 'hosts':
      return hostsLines(rules, t, opts);
    case 'unbound':
      return unboundLines(rules, t, opts);
    case 'nftables':
      return nftablesLines(rules, t, opts);
    default:
      throw new GatehouseError('GH_ERR_EXPORT_FORMAT', `exporting rules: unknown format "${String(format)}"`);
  }
}

function strip({ omit: _o, degrade: _d, ...summary }: ExportSummary & ExportTally): ExportSummary {
  return summary;
}

/** Exports rules as text in one format. Throws GH_ERR_EXPORT_FORMAT for an unknown format. */
export function exportRules(
  format: ExportFormat,
  rules: Iterable<Rule>,
  opts: ExportOptions = {},
): ExportResult {
  const t = createSummary(format);
  const out: string[] = [];
  for (const line of lines(format, rules, t, opts)) out.push(line);
  out.push('');
  return { ...strip(t), text: out.join('\n') };
}

/** Exports rules into a Writable (waiting on backpressure); does not end it. */
export async function writeRules(
  format: ExportFormat,
  rules: Iterable<Rule>,
  out: Writable,
  opts: ExportOptions = {},
): Promise<ExportSummary> {
  const t = createSummary(format);
  let batch = '';
  for (const line of lines(format, rules, t, opts)) {
    batch += `${line}\n`;
    if (batch.length >= 64 * 1024) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  if (batch.length > 0 && !out.write(batch)) await once(out, 'drain');
  return strip(t);
}

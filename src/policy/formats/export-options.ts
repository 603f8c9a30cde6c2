/**
 * What every exporter shares: the format names, the options, the tally a line generator
 * reports into, and the header comment.
 */

/** The formats Gatehouse exports. */
export type ExportFormat = 'rpz' | 'hosts' | 'unbound' | 'nftables';

/** Every export format. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['rpz', 'hosts', 'unbound', 'nftables'];

/** Options of the exporters; each format reads the ones it needs. */
export interface ExportOptions {
  /** Clock for the header and the RPZ serial (milliseconds since the epoch). */
  readonly now?: number;
  /** RPZ SOA serial; default: seconds since the epoch of `now`. */
  readonly serial?: number;
  /** RPZ `$TTL`; default 300. */
  readonly ttl?: number;
  /** RPZ `$ORIGIN` (written only when given; owners are relative either way). */
  readonly origin?: string;
  /** Unbound: also write `response-ip:` lines for cidr rules (needs the respip module). */
  readonly respip?: boolean;
  /** nftables table name; default `gatehouse`. */
  readonly table?: string;
}

/** What a format's line generator reports into. */
export interface ExportTally {
  written: number;
  omit(reason: string): void;
  degrade(reason: string): void;
}

/** Header comment lines shared by the text formats (`#` or `;` comments). */
export function exportHeader(comment: string, format: ExportFormat, opts: ExportOptions): string[] {
  const when = new Date(opts.now ?? Date.now()).toISOString();
  return [
    `${comment} Gatehouse ${format} export, ${when}`,
    `${comment} Generated; do not edit. See docs/formats.md.`,
  ];
}

/**
 * Exporting a warrant's results: JSON (the records as stored, with the warrant they answer) and CSV
 * (RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line break). The digest
 * kept with the warrant is the SHA-256 of the canonical JSON of the records array (docs/audit.md
 * describes canonical JSON), so an export can be checked against the audit log later.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/canonical.js';
import type { Warrant, WarrantRecord } from './types.js';
import { describeTarget } from './validate.js';

/** The export formats. */
export type ResultsFormat = 'json' | 'csv';

/** SHA-256 (hex) of the canonical JSON of `records`. */
export function resultsSha256(records: readonly WarrantRecord[]): string {
  return createHash('sha256').update(canonicalJson(records)).digest('hex');
}

const iso = (ms: unknown) => (typeof ms === 'number' ? new Date(ms).toISOString() : '');

/** CSV columns: one header, how to read it from a DNS record, and from a flow record. */
const COLUMNS: [string, (r: Readonly<Record<string, unknown>>, kind: 'dns' | 'flow') => unknown][] = [
  ['kind', (_, k) => k],
  ['time', (r, k) => iso(k === 'dns' ? r.time : r.start)],
  ['end', (r, k) => (k === 'flow' ? iso(r.end) : '')],
  ['client_address', (r) => r.clientAddress],
  ['client_port', (r) => r.clientPort],
  ['isp', (r) => r.isp],
  ['subscriber', (r) => r.subscriber],
  ['transport', (r, k) => (k === 'dns' ? r.transport : r.listener)],
  ['name', (r, k) => (k === 'dns' ? r.qname : r.destinationName)],
  ['qtype', (r) => r.qtype],
  ['rcode', (r) => r.rcode],
  ['destination_address', (r) => r.destinationAddress],
  ['port', (r) => r.port],
  ['bytes_up', (r) => r.bytesUp],
  ['bytes_down', (r) => r.bytesDown],
  ['verdict', (r) => r.verdict],
  ['order_id', (r) => r.orderId],
];

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The records as CSV, one row per record, oldest first. */
export function resultsCsv(records: readonly WarrantRecord[]): string {
  const lines = [COLUMNS.map(([h]) => h).join(',')];
  for (const { kind, record } of records)
    lines.push(COLUMNS.map(([, get]) => csvField(get(record, kind))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The records as JSON, with the warrant they answer and their digest. */
export function resultsJson(warrant: Warrant, records: readonly WarrantRecord[]): string {
  const body = {
    warrant: {
      id: warrant.id,
      authority: warrant.authority,
      reference: warrant.reference,
      crimeCategory: warrant.crimeCategory,
      target: describeTarget(warrant.target),
      from: new Date(warrant.from).toISOString(),
      to: new Date(warrant.to).toISOString(),
      approvedBy: warrant.decision === 'approved' ? warrant.decidedBy : null,
      executedAt: warrant.executedAt === null ? null : new Date(warrant.executedAt).toISOString(),
    },
    count: records.length,
    sha256: warrant.resultSha256,
    unlinkableEpochs: warrant.unlinkableEpochs,
    truncated: warrant.truncated,
    records,
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

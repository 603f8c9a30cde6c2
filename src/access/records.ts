/**
 * The scoped query a warrant runs: records of ONE target within ONE window, read from the records
 * database opened read-only, nothing else. The target decides the filter:
 *
 *   subscriber    its pseudonym in each epoch of the window (from the epoch key files); an epoch
 *                 whose key is gone is reported unlinkable and contributes nothing
 *   pseudonym     records carrying exactly that pseudonym
 *   destination   DNS query names and flow destination names equal to the name or below it
 *   address       records from that client address
 *
 * A DNS record is in the window when it arrived in [from, to); a flow when it started at or after
 * `from` and ended by `to` (a connection running past the window is not "within" it).
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { GatehouseError } from '../core/errors.js';
import { epochsIn, pastPseudonym } from '../records/pseudonym-lookup.js';
import { DNS_COLUMNS, dnsRecord, FLOW_COLUMNS, flowRecord, type SqlValue } from '../records/sinks/sql.js';
import type { WarrantRecord, WarrantTarget } from './types.js';

/** Where the records and the epoch keys are, and how much one execution may return. */
export interface RecordsScope {
  /** The records database (`recordsDbPath(dataDir)`). */
  readonly dbPath: string;
  /** `<dataDir>/keys/pseudonym`. */
  readonly keyDir: string;
  readonly epochMs: number;
  readonly maxResults: number;
}

/** What the query found. */
export interface ScopedRecords {
  readonly records: WarrantRecord[];
  readonly unlinkableEpochs: number[];
  readonly truncated: boolean;
}

interface Filter {
  readonly dns: string;
  readonly flow: string;
  readonly params: SqlValue[];
}

const names = (cols: readonly string[]) => cols.map((c) => c.split(' ')[0]).join(', ');
// LIKE treats `_` as a wildcard and DNS names may hold underscores (`_dmarc`): escape it.
const likeSuffix = (name: string) => `%.${name.replace(/[\\%_]/g, (c) => `\\${c}`)}`;

function filterFor(target: WarrantTarget, pseudonyms: readonly string[]): Filter | null {
  switch (target.kind) {
    case 'subscriber':
    case 'pseudonym': {
      if (pseudonyms.length === 0) return null;
      const list = pseudonyms.map(() => '?').join(', ');
      return { dns: `subscriber IN (${list})`, flow: `subscriber IN (${list})`, params: [...pseudonyms] };
    }
    case 'destination':
      return {
        dns: "(qname = ? OR qname LIKE ? ESCAPE '\\')",
        flow: "(destination_name = ? OR destination_name LIKE ? ESCAPE '\\')",
        params: [target.name, likeSuffix(target.name)],
      };
    case 'address':
      return { dns: 'client_address = ?', flow: 'client_address = ?', params: [target.address] };
  }
}

/** The pseudonyms a target stands for, and the epochs of the window that cannot be linked. */
export function pseudonymsFor(
  target: WarrantTarget,
  from: number,
  to: number,
  scope: Pick<RecordsScope, 'keyDir' | 'epochMs'>,
): { pseudonyms: string[]; unlinkableEpochs: number[] } {
  if (target.kind === 'pseudonym') return { pseudonyms: [target.pseudonym], unlinkableEpochs: [] };
  if (target.kind !== 'subscriber') return { pseudonyms: [], unlinkableEpochs: [] };
  const pseudonyms: string[] = [];
  const unlinkableEpochs: number[] = [];
  for (const epoch of epochsIn(from, to, scope.epochMs)) {
    const p = pastPseudonym(scope.keyDir, epoch, target.isp, target.subscriber);
    if (p === null) unlinkableEpochs.push(epoch);
    else pseudonyms.push(p);
  }
  return { pseudonyms, unlinkableEpochs };
}

/** Runs the warrant's query. GH_ERR_WARRANT_RECORDS when the records database cannot be read. */
export function queryScopedRecords(
  target: WarrantTarget,
  from: number,
  to: number,
  scope: RecordsScope,
): ScopedRecords {
  const { pseudonyms, unlinkableEpochs } = pseudonymsFor(target, from, to, scope);
  const filter = filterFor(target, pseudonyms);
  // No records database yet means nothing was ever recorded: an empty result, not an error.
  if (filter === null || !existsSync(scope.dbPath))
    return { records: [], unlinkableEpochs, truncated: false };
  let db: Database.Database | undefined;
  try {
    db = new Database(scope.dbPath, { readonly: true, fileMustExist: true });
    const limit = scope.maxResults + 1;
    const dns = db
      .prepare(
        `SELECT ${names(DNS_COLUMNS)} FROM dns_queries WHERE time_ms >= ? AND time_ms < ? AND ${filter.dns} ` +
          'ORDER BY time_ms, id LIMIT ?',
      )
      .raw()
      .all(from, to, ...filter.params, limit) as SqlValue[][];
    const flows = db
      .prepare(
        `SELECT ${names(FLOW_COLUMNS)} FROM flows WHERE start_ms >= ? AND end_ms <= ? AND ${filter.flow} ` +
          'ORDER BY start_ms, id LIMIT ?',
      )
      .raw()
      .all(from, to, ...filter.params, limit) as SqlValue[][];
    const records: WarrantRecord[] = [
      ...dns.map((v) => ({ kind: 'dns' as const, time: Number(v[0]), record: { ...dnsRecord(v) } })),
      ...flows.map((v) => ({ kind: 'flow' as const, time: Number(v[0]), record: { ...flowRecord(v) } })),
    ].sort((a, b) => a.time - b.time);
    const truncated = records.length > scope.maxResults;
    return { records: truncated ? records.slice(0, scope.maxResults) : records, unlinkableEpochs, truncated };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new GatehouseError('GH_ERR_WARRANT_RECORDS', `reading records "${scope.dbPath}": ${why}`, [], {
      cause: err,
    });
  } finally {
    db?.close();
  }
}

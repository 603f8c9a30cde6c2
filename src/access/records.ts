/**
 * The scoped query a warrant runs: records of ONE target within ONE window, read from the records
 * database (SQLite opened read-only, or PostgreSQL in a read-only transaction), nothing else; the
 * same parameterised SQL on both (`?` numbered for PostgreSQL). The target decides the filter:
 *
 *   subscriber    its pseudonym in each epoch of the window (from the epoch keys: the key files, or
 *                 the shared PostgreSQL table when records are there); an epoch
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
import pg from 'pg';
import { GatehouseError } from '../core/errors.js';
import { type EpochKeyStore, fileEpochKeys } from '../records/epoch-keys.js';
import { epochsIn, pastPseudonymFrom } from '../records/pseudonym-lookup.js';
import { numbered, redact } from '../records/sinks/postgres.js';
import { DNS_COLUMNS, dnsRecord, FLOW_COLUMNS, flowRecord, type SqlValue } from '../records/sinks/sql.js';
import type { WarrantRecord, WarrantTarget } from './types.js';

/** Where the records and the epoch keys are, and how much one execution may return. */
export interface RecordsScope {
  /** The records database (`recordsDbPath(dataDir)`). */
  readonly dbPath: string;
  /** The records database on PostgreSQL (`records.store`), instead of `dbPath`. */
  readonly url?: string;
  /** `<dataDir>/keys/pseudonym`: the key files, used when `keys` is not given. */
  readonly keyDir: string;
  /** The epoch key store the records' nodes share (records on PostgreSQL); replaces `keyDir`. */
  readonly keys?: Pick<EpochKeyStore, 'get'>;
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
export async function pseudonymsFor(
  target: WarrantTarget,
  from: number,
  to: number,
  scope: Pick<RecordsScope, 'keyDir' | 'keys' | 'epochMs'>,
): Promise<{ pseudonyms: string[]; unlinkableEpochs: number[] }> {
  if (target.kind === 'pseudonym') return { pseudonyms: [target.pseudonym], unlinkableEpochs: [] };
  if (target.kind !== 'subscriber') return { pseudonyms: [], unlinkableEpochs: [] };
  const pseudonyms: string[] = [];
  const unlinkableEpochs: number[] = [];
  const keys = scope.keys ?? fileEpochKeys(scope.keyDir);
  for (const epoch of epochsIn(from, to, scope.epochMs)) {
    const p = await pastPseudonymFrom(keys, epoch, target.isp, target.subscriber);
    if (p === null) unlinkableEpochs.push(epoch);
    else pseudonyms.push(p);
  }
  return { pseudonyms, unlinkableEpochs };
}

/** The two selects of a scoped query (`?` placeholders; both dialects run them) and their parameters. */
function scopedSql(filter: Filter): { dns: string; flows: string } {
  return {
    dns:
      `SELECT ${names(DNS_COLUMNS)} FROM dns_queries WHERE time_ms >= ? AND time_ms < ? AND ${filter.dns} ` +
      'ORDER BY time_ms, id LIMIT ?',
    flows:
      `SELECT ${names(FLOW_COLUMNS)} FROM flows WHERE start_ms >= ? AND end_ms <= ? AND ${filter.flow} ` +
      'ORDER BY start_ms, id LIMIT ?',
  };
}

/** Both kinds merged in time order, cut at `maxResults`. */
function merge(
  dns: SqlValue[][],
  flows: SqlValue[][],
  maxResults: number,
): Omit<ScopedRecords, 'unlinkableEpochs'> {
  const records: WarrantRecord[] = [
    ...dns.map((v) => ({ kind: 'dns' as const, time: Number(v[0]), record: { ...dnsRecord(v) } })),
    ...flows.map((v) => ({ kind: 'flow' as const, time: Number(v[0]), record: { ...flowRecord(v) } })),
  ].sort((a, b) => a.time - b.time);
  const truncated = records.length > maxResults;
  return { records: truncated ? records.slice(0, maxResults) : records, truncated };
}

/** Reads the SQLite records database (opened read-only for this query only). */
function readSqlite(path: string, sql: { dns: string; flows: string }, params: SqlValue[]) {
  // No records database yet means nothing was ever recorded: an empty result, not an error.
  if (!existsSync(path)) return { dns: [], flows: [] };
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const run = (text: string) =>
      db
        .prepare(text)
        .raw()
        .all(...params) as SqlValue[][];
    return { dns: run(sql.dns), flows: run(sql.flows) };
  } finally {
    db.close();
  }
}

/** Reads the PostgreSQL records database on one connection, both selects in one snapshot. */
async function readPostgres(url: string, sql: { dns: string; flows: string }, params: SqlValue[]) {
  const client = new pg.Client({ connectionString: url, application_name: 'gatehouse-warrant' });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // The records tables are created by the first node that writes: none yet means no records.
    const exists = await client.query("SELECT to_regclass('dns_queries') IS NOT NULL AS ok");
    if (exists.rows[0]?.ok !== true) return { dns: [], flows: [] };
    const run = async (text: string) =>
      (await client.query<SqlValue[]>({ text: numbered(text), values: params, rowMode: 'array' })).rows;
    const result = { dns: await run(sql.dns), flows: await run(sql.flows) };
    await client.query('COMMIT');
    return result;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Runs the warrant's query, on PostgreSQL when `scope.url` is set, else on the SQLite file.
 * GH_ERR_WARRANT_RECORDS when the records database cannot be read.
 */
export async function queryScopedRecords(
  target: WarrantTarget,
  from: number,
  to: number,
  scope: RecordsScope,
): Promise<ScopedRecords> {
  const where = scope.url === undefined ? scope.dbPath : redact(scope.url);
  try {
    const { pseudonyms, unlinkableEpochs } = await pseudonymsFor(target, from, to, scope);
    const filter = filterFor(target, pseudonyms);
    if (filter === null) return { records: [], unlinkableEpochs, truncated: false };
    const sql = scopedSql(filter);
    const params: SqlValue[] = [from, to, ...filter.params, scope.maxResults + 1];
    const rows =
      scope.url === undefined
        ? readSqlite(scope.dbPath, sql, params)
        : await readPostgres(scope.url, sql, params);
    return { ...merge(rows.dns, rows.flows, scope.maxResults), unlinkableEpochs };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new GatehouseError('GH_ERR_WARRANT_RECORDS', `reading records "${where}": ${why}`, [], {
      cause: err,
    });
  }
}

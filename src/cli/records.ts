/**
 * `gatehouse records retention [--run]` and `gatehouse records report`: what is kept and until
 * when, and the aggregate reports (docs/records.md). Reads `<data>/records.db` (or the PostgreSQL
 * records database of `records.store`) and the pseudonym keys directly (the key files, or the shared
 * table of epoch-keys-postgres.ts when records are on PostgreSQL); safe beside a running
 * gateway (WAL and busy timeout; on PostgreSQL, the advisory lock of postgres-records.ts).
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { formatDuration } from '../config/units.js';
import { GatehouseError } from '../core/errors.js';
import { createDestinationClassifier } from '../proxy/destination-class.js';
import { type EpochKeyStore, fileEpochKeys } from '../records/epoch-keys.js';
import { postgresEpochKeys } from '../records/epoch-keys-postgres.js';
import {
  openPostgresRecords,
  type PostgresRecords,
  postgresRecordsUrl,
} from '../records/postgres-records.js';
import { createReports } from '../records/report.js';
import {
  monthlyTotalsCsv,
  orderHitsCsv,
  toTable,
  trafficReportCsv,
  trafficRows,
} from '../records/report-csv.js';
import { createRetentionJob, type RetentionPeriods } from '../records/retention.js';
import { openRecordsDb, type RecordsDb } from '../records/retention-db.js';
import { type RetentionStatus, retentionStatus, statusOf } from '../records/retention-status.js';
import { recordsDbPath } from '../records/sinks/sqlite.js';
import type { Context } from './context.js';
import { parseTime } from './context.js';

type Wrap = (fn: (ctx: Context, ...args: string[]) => Promise<void>) => (...args: unknown[]) => Promise<void>;

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

function periods(ctx: Context): RetentionPeriods {
  const r = ctx.config.records.retention;
  return { dns: r.dns, flow: r.flow, lease: r.lease };
}

/** The records database of `records.store`: the SQLite file in the data directory, or PostgreSQL. */
type RecordsSource = ({ readonly db: RecordsDb; readonly pg?: never } | { readonly pg: PostgresRecords }) & {
  readonly keys: EpochKeyStore;
};

const classifyOf = (ctx: Context) => createDestinationClassifier(ctx.config.proxy.domesticPrefixes).classify;

async function withDb(ctx: Context, fn: (src: RecordsSource) => unknown): Promise<void> {
  const url = postgresRecordsUrl(ctx.config.records);
  if (url !== undefined) {
    const pg = openPostgresRecords(url, classifyOf(ctx));
    // The nodes sharing these records share their epoch keys in the same database.
    const keys = postgresEpochKeys(url);
    try {
      await fn({ pg, keys });
    } finally {
      await keys.close();
      await pg.close();
    }
    return;
  }
  const db = openRecordsDb(recordsDbPath(ctx.config.dataDir));
  try {
    await fn({ db, keys: fileEpochKeys(join(ctx.config.dataDir, 'keys', 'pseudonym')) });
  } finally {
    db.close();
  }
}

function printStatus(ctx: Context, s: RetentionStatus): void {
  ctx.print(
    toTable(
      ['kind', 'retention', 'oldest record kept', 'kept until', 'where'],
      s.kinds.map((k) => [
        k.kind,
        formatDuration(k.retentionMs),
        iso(k.oldest),
        iso(k.oldestKeptUntil),
        k.where,
      ]),
    ),
  );
  ctx.print('');
  if (s.keys.length === 0) {
    ctx.print('epoch keys: none');
    return;
  }
  ctx.print(
    toTable(
      ['epoch key', 'epoch from', 'epoch to', 'destroyed at'],
      s.keys.map((k) => [String(k.epoch), iso(k.from), iso(k.to), iso(k.destroyAt)]),
    ),
  );
}

/** Runs one retention pass now, auditing each destroyed key as the acting user (or `system`). */
async function runOnce(ctx: Context, src: RecordsSource): Promise<unknown> {
  const r = ctx.config.records.retention;
  let actor = 'system';
  try {
    actor = ctx.user();
  } catch {
    // No user given: the pass is the system's, as when the gateway runs it.
  }
  const job = createRetentionJob({
    ...(src.pg ? { steps: src.pg.steps } : { db: src.db }),
    keys: src.keys,
    retention: periods(ctx),
    intervalMs: r.interval,
    batchSize: r.batchSize,
    classify: classifyOf(ctx),
    onKeyDestroyed: async (epoch, at) => {
      const store = await ctx.store();
      const object = `pseudonym-key/${epoch}`;
      await store.audit.append({ actor, action: 'records.key-destroy', object, details: { epoch, at } });
    },
  });
  return job.run();
}

/** Registers `records`. */
export function registerRecords(program: Command, wrap: Wrap): void {
  const records = program.command('records').description('record retention and aggregate reports');
  const opts = <T extends object>(name: string) =>
    records.commands.find((c) => c.name() === name)!.opts() as T;
  records
    .command('retention')
    .description(
      'per record kind: retention, oldest record kept and until when; epoch keys and their destruction',
    )
    .option('--run', 'run one retention pass now (roll up, delete expired records, destroy due keys) first')
    .action(
      wrap((ctx) =>
        withDb(ctx, async (src) => {
          const ran = opts<{ run?: boolean }>('retention').run ? await runOnce(ctx, src) : undefined;
          const base = {
            epochs: await src.keys.list(),
            retention: periods(ctx),
            now: Date.now(),
          };
          const status = src.pg
            ? statusOf(base, await src.pg.seen())
            : retentionStatus({ db: src.db, ...base });
          if (ctx.json) return ctx.printJson(ran === undefined ? status : { run: ran, ...status });
          if (ran !== undefined) ctx.print(`retention pass: ${JSON.stringify(ran)}\n`);
          printStatus(ctx, status);
        }),
      ),
    );
  records
    .command('report')
    .description(
      'aggregate reports (no subscriber in them): traffic per ISP and direction, monthly totals, order hits',
    )
    .option('--type <type>', 'traffic | monthly | orders', 'traffic')
    .option('--from <time>', 'first day (ISO 8601 or +N(s|m|h|d)); traffic only', '')
    .option('--to <time>', 'end, exclusive (default now); traffic only', '')
    .option('--format <format>', 'table | csv | json', 'table')
    .action(
      wrap((ctx) =>
        withDb(ctx, async (src) => {
          const f = opts<{ type: string; from: string; to: string; format: string }>('report');
          const format = ctx.json ? 'json' : f.format;
          if (
            !['table', 'csv', 'json'].includes(format) ||
            !['traffic', 'monthly', 'orders'].includes(f.type)
          ) {
            throw new GatehouseError(
              'GH_ERR_RECORDS_REPORT',
              `records report: expected --type traffic|monthly|orders and --format table|csv|json, got "${f.type}" and "${format}"`,
            );
          }
          const reports = src.pg ? src.pg.reports : createReports(src.db, classifyOf(ctx));
          if (f.type === 'orders') {
            const hits = await reports.orderHits();
            if (format === 'json') return ctx.printJson(Object.fromEntries(hits));
            const csv = orderHitsCsv(hits);
            return format === 'csv' ? ctx.io.out.write(csv) : ctx.print(csvAsTable(csv));
          }
          if (f.type === 'monthly') {
            const months = await reports.monthlyTotals();
            if (format === 'json') return ctx.printJson(months);
            const csv = monthlyTotalsCsv(months);
            return format === 'csv' ? ctx.io.out.write(csv) : ctx.print(csvAsTable(csv));
          }
          if (f.from === '')
            throw new GatehouseError('GH_ERR_CLI_USAGE', 'records report: --from is required');
          const now = Date.now();
          const report = await reports.trafficReport(
            parseTime(f.from, now, '--from'),
            f.to === '' ? now : parseTime(f.to, now, '--to'),
          );
          if (format === 'json') return ctx.printJson(report);
          if (format === 'csv') return ctx.io.out.write(trafficReportCsv(report));
          const t = trafficRows(report);
          ctx.print(`traffic ${report.from} to ${report.to} (UTC days, end exclusive)`);
          ctx.print(toTable(t.header, t.rows));
        }),
      ),
    );
}

/** A CSV of plain cells (no quoting needed: numbers and fixed words) as a table. */
function csvAsTable(csv: string): string {
  const [header = [], ...rows] = csv
    .trimEnd()
    .split('\r\n')
    .map((l) => l.split(','));
  return toTable(
    header,
    rows.map((r) => r.map((c, i) => (i > 0 && /^\d+$/.test(c) ? Number(c) : c))),
  );
}

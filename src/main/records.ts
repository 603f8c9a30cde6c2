/**
 * Part of the composition root (see main.ts): where records go (sink, exporters) and how long they
 * stay (the retention job and the reports it feeds).
 */
import { Counter } from 'prom-client';
import type { GatehouseConfig } from '../config/schema.js';
import type { LeaseIndex } from '../identity/lease-index.js';
import { createDestinationClassifier } from '../proxy/destination-class.js';
import type { EpochKeyStore } from '../records/epoch-keys.js';
import { createExporters } from '../records/exporters/create.js';
import type { RecordExporter } from '../records/exporters/exporter.js';
import type { RecordsDatabase } from '../records/pipeline.js';
import { type AsyncReports, openPostgresRecords, postgresRecordsUrl } from '../records/postgres-records.js';
import { createRetentionJob } from '../records/retention.js';
import { createRetentionWorker } from '../records/retention-client.js';
import { createDeferredPostgresSink } from '../records/sinks/postgres-deferred.js';
import { recordsDbPath } from '../records/sinks/sqlite.js';
import type { Store } from '../store/types.js';
import { componentLogger, type Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Closers } from './identity.js';

/**
 * The records sink thread's yield between statements (src/native/threads.ts), so the threads that
 * answer queries never wait behind a whole write. Records import only core: injected.
 */
export const SINK_YIELD_MODULE = new URL('../native/threads.js', import.meta.url).href;

/**
 * The records retention job (docs/records.md): rolls records up into daily aggregates, deletes
 * expired records and leases, destroys expired pseudonym keys (each destruction audited).
 */
export function startRetention(
  config: GatehouseConfig,
  logger: Logger,
  metrics: Metrics,
  store: Store,
  leases: () => LeaseIndex | null,
  closers: Closers,
  keys: EpochKeyStore,
): AsyncReports {
  const r = config.records.retention;
  const classify = createDestinationClassifier(config.proxy.domesticPrefixes).classify;
  const url = postgresRecordsUrl(config.records);
  // PostgreSQL records: every node may run the job; the steps serialise on the database (postgres-records.ts).
  const pgRecords = url === undefined ? null : openPostgresRecords(url, classify);
  const log = componentLogger(logger, 'retention');
  const workerFailures = new Counter({
    name: 'gatehouse_retention_worker_failures_total',
    help: 'Times the SQLite retention and reports worker could not open the records database or died (restarted at the next use).',
    registers: [metrics.registry],
  });
  // SQLite records: roll-ups and reports group millions of rows synchronously, so they run in a
  // worker thread of their own, never on the data plane's event loop (retention-client.ts).
  const sqlite =
    pgRecords === null
      ? createRetentionWorker({
          path: recordsDbPath(config.dataDir),
          classifier: {
            module: new URL('../proxy/destination-class.js', import.meta.url).href,
            prefixes: config.proxy.domesticPrefixes,
          },
          onFailure: (err) => {
            workerFailures.inc();
            log.error({ err }, 'retention worker failed; restarting it at the next run or report');
          },
        })
      : null;
  const job = createRetentionJob({
    steps: pgRecords?.steps ?? (sqlite as NonNullable<typeof sqlite>).steps,
    keys,
    retention: { dns: r.dns, flow: r.flow, lease: r.lease },
    intervalMs: r.interval,
    batchSize: r.batchSize,
    classify: createDestinationClassifier(config.proxy.domesticPrefixes).classify,
    leases: { prune: (before) => leases()?.pruneHistory(before) ?? 0 },
    onKeyDestroyed: async (epoch, at) => {
      const object = `pseudonym-key/${epoch}`;
      await store.audit.append({
        actor: 'system',
        action: 'records.key-destroy',
        object,
        details: { epoch, at },
      });
    },
    onRun: (res) => {
      metrics.retentionRuns.inc({ result: 'ok' });
      for (const [kind, n] of Object.entries(res.deleted)) metrics.retentionDeleted.inc({ kind }, n);
      metrics.retentionKeysDestroyed.inc(res.keysDestroyed.length);
      log.info(res, 'retention run');
    },
    onError: (err) => {
      metrics.retentionRuns.inc({ result: 'error' });
      log.error({ err }, 'retention run failed; retrying at the next interval');
    },
  });
  job.start();
  closers.push(async () => {
    await job.close();
    await sqlite?.close();
    await pgRecords?.close();
  });
  return pgRecords?.reports ?? (sqlite as NonNullable<typeof sqlite>).reports;
}

/** `read`, computed at most once a minute (a failed asynchronous read is retried at the next call). */
export function everyMinute<T>(read: () => T): () => T {
  let value: T | undefined;
  let at = Number.NEGATIVE_INFINITY;
  return () => {
    const now = Date.now();
    if (value === undefined || now - at >= 60_000) {
      value = read();
      at = now;
      if (value instanceof Promise) {
        value.catch(() => {
          at = Number.NEGATIVE_INFINITY;
        });
      }
    }
    return value;
  };
}

/** The records sink for `records.store` as a PostgreSQL URL (opened at the first write); none for `local`. */
export function recordsSink(config: GatehouseConfig): { sink?: RecordsDatabase } {
  const url = postgresRecordsUrl(config.records);
  return url === undefined ? {} : { sink: createDeferredPostgresSink({ url }) };
}

/** IPFIX and dnstap exporters (records.ipfix, records.dnstap): their drops are counted, never waited on. */
export function startExporters(config: GatehouseConfig, metrics: Metrics, logger: Logger): RecordExporter[] {
  const dropped = new Counter({
    name: 'gatehouse_records_export_dropped_total',
    help: 'Records not exported because the collector was absent, failing or slow (they are still stored).',
    labelNames: ['exporter'],
    registers: [metrics.registry],
  });
  const log = componentLogger(logger, 'exporters');
  return createExporters(config.records, {
    version: 'gatehouse',
    onDrop: (exporter, n) => dropped.inc({ exporter }, n),
    onState: (exporter, up, error) =>
      up
        ? log.info({ exporter }, 'collector connected')
        : log.warn({ exporter, err: error?.message }, 'collector lost'),
  });
}

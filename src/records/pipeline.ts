/**
 * The records path of a node: a bounded batcher per record kind, spilling to a disk spool, into
 * the records database through a worker-thread sink (so a 5,000-row transaction never stalls the
 * data plane's event loop). Drops are counted and alarmed once a second.
 */
import { join } from 'node:path';
import { createBatcher } from './batcher.js';
import type { RecordExporter } from './exporters/exporter.js';
import { recordsDbPath } from './sinks/sqlite.js';
import { createWorkerSink } from './sinks/worker.js';
import { createSpool } from './spool.js';
import { dnsSpoolCodec, flowSpoolCodec } from './spool-codec.js';
import type { SpoolCodec } from './spool-frame.js';
import type { DnsQueryRecord, FlowRecord, RecordSink } from './types.js';

/** A backlog is written up to this many records at a time (one transaction in the sink). */
const MAX_BATCH = 10_000;

/** Settings of the records path. */
export interface RecordsConfig {
  readonly dataDir: string;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly maxQueue: number;
  /** Disk the spool may use per record kind. */
  readonly spoolBytes: number;
  readonly onDrop: (kind: 'dns' | 'flow', dropped: number, total: number) => void;
  readonly onWritten?: (kind: 'dns' | 'flow', n: number) => void;
  /** Get a copy of every batch the store accepted (IPFIX, dnstap); closed after the batchers drain. */
  readonly exporters?: readonly RecordExporter[];
  /** The records database, when not the default SQLite file under `dataDir` (PostgreSQL); closed with the rest. */
  readonly sink?: RecordsDatabase;
}

/** A records database as the pipeline uses it (`createWorkerSink` and `createPostgresSink` fit). */
export interface RecordsDatabase {
  readonly dns: RecordSink<DnsQueryRecord>;
  readonly flows: RecordSink<FlowRecord>;
  close(): Promise<void> | void;
}

/**
 * Hands a stored batch to the exporters. They only queue it (bounded, O(1)) and send on a later
 * turn, so a slow or absent collector never holds up the sink, the spool or the data plane.
 */
function exportBatch(
  exporters: readonly RecordExporter[],
  kind: 'dns' | 'flow',
  batch: readonly unknown[],
): void {
  for (const e of exporters) {
    try {
      if (kind === 'dns') e.dns?.(batch as readonly DnsQueryRecord[]);
      else e.flow?.(batch as readonly FlowRecord[]);
    } catch {
      // an exporter must not throw (exporter.ts); if one does, the store already has the batch
    }
  }
}

/** Where the data plane pushes its records. */
export interface Records {
  dns(r: DnsQueryRecord): void;
  flow(r: FlowRecord): void;
  stats(): {
    dns: ReturnType<ReturnType<typeof createBatcher>['stats']>;
    flow: ReturnType<ReturnType<typeof createBatcher>['stats']>;
  };
  close(): Promise<void>;
}

/** Opens the records database, the spools and the batchers. */
export async function startRecords(c: RecordsConfig): Promise<Records> {
  const sink = c.sink ?? (await createWorkerSink({ path: recordsDbPath(c.dataDir) }));
  const batcher = <T>(
    kind: 'dns' | 'flow',
    target: { write(b: readonly T[]): Promise<void> | void },
    codec: SpoolCodec<T>,
  ) =>
    createBatcher<T>({
      maxQueue: c.maxQueue,
      batchSize: c.batchSize,
      maxBatch: Math.max(c.batchSize, MAX_BATCH),
      // A sink that is merely behind catches up from memory; only a nearly full ring is parked on disk
      // (the spool round trip costs the data plane's thread more than the wait).
      spillAt: Math.max(Math.floor(c.maxQueue / 2), c.maxQueue - MAX_BATCH),
      flushIntervalMs: c.flushIntervalMs,
      sink: {
        write: async (b) => {
          await target.write(b);
          c.onWritten?.(kind, b.length);
          if (c.exporters) exportBatch(c.exporters, kind, b);
        },
      },
      spool: createSpool<T>({ dir: join(c.dataDir, 'spool', kind), maxBytes: c.spoolBytes, codec }),
      onDrop: (dropped, total) => c.onDrop(kind, dropped, total),
    });
  const dns = batcher<DnsQueryRecord>('dns', sink.dns, dnsSpoolCodec);
  const flow = batcher<FlowRecord>('flow', sink.flows, flowSpoolCodec);
  return {
    dns: (r) => dns.push(r),
    flow: (r) => flow.push(r),
    stats: () => ({ dns: dns.stats(), flow: flow.stats() }),
    async close() {
      await dns.close();
      await flow.close();
      await sink.close();
      await Promise.all((c.exporters ?? []).map((e) => e.close()));
    },
  };
}

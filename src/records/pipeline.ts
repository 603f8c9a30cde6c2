/**
 * The records path of a node: a bounded batcher per record kind, spilling to a disk spool, into
 * the records database through a worker-thread sink (so a 5,000-row transaction never stalls the
 * data plane's event loop). Drops are counted and alarmed once a second.
 */
import { join } from 'node:path';
import { createBatcher } from './batcher.js';
import { recordsDbPath } from './sinks/sqlite.js';
import { createWorkerSink } from './sinks/worker.js';
import { createSpool } from './spool.js';
import type { DnsQueryRecord, FlowRecord } from './types.js';

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
  const sink = await createWorkerSink({ path: recordsDbPath(c.dataDir) });
  const batcher = <T>(kind: 'dns' | 'flow', target: { write(b: readonly T[]): Promise<void> | void }) =>
    createBatcher<T>({
      maxQueue: c.maxQueue,
      batchSize: c.batchSize,
      flushIntervalMs: c.flushIntervalMs,
      sink: {
        write: async (b) => {
          await target.write(b);
          c.onWritten?.(kind, b.length);
        },
      },
      spool: createSpool<T>({ dir: join(c.dataDir, 'spool', kind), maxBytes: c.spoolBytes }),
      onDrop: (dropped, total) => c.onDrop(kind, dropped, total),
    });
  const dns = batcher<DnsQueryRecord>('dns', sink.dns);
  const flow = batcher<FlowRecord>('flow', sink.flows);
  return {
    dns: (r) => dns.push(r),
    flow: (r) => flow.push(r),
    stats: () => ({ dns: dns.stats(), flow: flow.stats() }),
    async close() {
      await dns.close();
      await flow.close();
      await sink.close();
    },
  };
}

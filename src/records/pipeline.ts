/**
 * The records path of a node: per record kind, records are packed at push into chunks (sinks/chunk.ts:
 * no record object outlives its push, so none is promoted by the GC), the chunks go through a bounded
 * batcher, spilling to a disk spool, into the records database through a worker-thread sink (so a
 * 10,000-row transaction never stalls the data plane's event loop). Drops are counted and alarmed
 * once a second, in records.
 */
import { join } from 'node:path';
import { type Batcher, createBatcher } from './batcher.js';
import type { RecordExporter } from './exporters/exporter.js';
import {
  CHUNK_ROWS,
  type Chunker,
  chunkRowCount,
  dnsChunker,
  flowChunker,
  unpackDnsChunks,
  unpackFlowChunks,
} from './sinks/chunk.js';
import type { PackedBatch, PackedTable } from './sinks/packed.js';
import { recordsDbPath } from './sinks/sqlite.js';
import { createWorkerSink, type WorkerSink } from './sinks/worker.js';
import { createSpool } from './spool.js';
import { chunkSpoolCodec } from './spool-codec.js';
import type { BatcherStats, DnsQueryRecord, FlowRecord, RecordSink } from './types.js';

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
  /** For the SQLite sink's thread: module URL of its yield between statements (records/thread-yield.ts). */
  readonly yieldModule?: string;
}

/** A records database as the pipeline uses it (`createWorkerSink` and `createPostgresSink` fit). */
export interface RecordsDatabase {
  readonly dns: RecordSink<DnsQueryRecord>;
  readonly flows: RecordSink<FlowRecord>;
  /** Stores packed chunks of one table as they are; without it, chunks are unpacked for `dns`/`flows`. */
  readonly chunks?: RecordSink<PackedBatch>;
  close(): Promise<void> | void;
}

/**
 * Hands a stored batch to the exporters. They only queue it (bounded, O(1)) and send on a later
 * turn, so a slow or absent collector never holds up the sink, the spool or the data plane.
 */
function exportBatch(exporters: readonly RecordExporter[], kind: Kind, chunks: readonly PackedBatch[]): void {
  const batch = kind === 'dns' ? unpackDnsChunks(chunks) : unpackFlowChunks(chunks);
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
  /**
   * A DNS worker's packed batch (packed.ts `packDns`), queued as it is (no record objects on this
   * thread): O(1), never throws. It may go ahead of records `dns` packed before it but not yet sent.
   */
  dnsPacked(p: PackedBatch): void;
  flow(r: FlowRecord): void;
  stats(): { dns: BatcherStats; flow: BatcherStats };
  /** How the SQLite sink's thread lets the answering threads in (for the log); null with another sink. */
  readonly sinkThread: string | null;
  close(): Promise<void>;
}

type Kind = 'dns' | 'flow';

/** One record kind's path: a chunker in front of a batcher of chunks. */
interface KindPath<T> {
  push(r: T): void;
  pushChunk(p: PackedBatch): void;
  stats(): BatcherStats;
  close(): Promise<void>;
}

/** Opens the records database, the spools and the batchers. */
export async function startRecords(c: RecordsConfig): Promise<Records> {
  // Chunks no bigger than a batch, so a small `batchSize` still sends a batch as soon as it is full.
  const rows = Math.max(1, Math.min(CHUNK_ROWS, c.batchSize));
  const items = (records: number): number => Math.max(1, Math.ceil(records / rows));
  const worker =
    c.sink === undefined
      ? await createWorkerSink({
          path: recordsDbPath(c.dataDir),
          yieldModule: c.yieldModule,
          // One batch (whole chunks): the batcher sends more at once only when the sink is behind.
          yieldUpTo: items(c.batchSize) * rows,
        })
      : null;
  const sink = c.sink ?? (worker as WorkerSink);
  const maxQueue = items(c.maxQueue);
  const maxBatch = items(Math.max(c.batchSize, MAX_BATCH));
  const path = <T>(kind: Kind, chunker: Chunker<T>, store: RecordSink<PackedBatch>): KindPath<T> => {
    const table: PackedTable = kind === 'dns' ? 'dns_queries' : 'flows';
    const seal = (): void => {
      const p = chunker.seal();
      if (p !== null) batcher.push(p);
    };
    const batcher: Batcher<PackedBatch> = createBatcher<PackedBatch>({
      maxQueue,
      batchSize: items(c.batchSize),
      maxBatch,
      // A sink that is merely behind catches up from memory; only a nearly full ring is parked on disk
      // (the spool round trip costs the data plane's thread more than the wait).
      spillAt: Math.max(Math.floor(maxQueue / 2), maxQueue - maxBatch),
      flushIntervalMs: c.flushIntervalMs,
      weight: (p) => p.rows,
      beforeFlush: seal,
      sink: {
        write: async (chunks) => {
          await store.write(chunks);
          c.onWritten?.(kind, chunkRowCount(chunks));
          if (c.exporters && c.exporters.length > 0) exportBatch(c.exporters, kind, chunks);
        },
      },
      spool: createSpool<PackedBatch>({
        dir: join(c.dataDir, 'spool', kind),
        maxBytes: c.spoolBytes,
        codec: chunkSpoolCodec(table),
      }),
      onDrop: (dropped, total) => c.onDrop(kind, dropped, total),
    });
    return {
      push: (r) => {
        const full = chunker.add(r);
        if (full !== null) batcher.push(full);
      },
      // Not sealing the chunk being filled first: that would make a small chunk per worker batch,
      // and the ring's capacity is in chunks. Records of different threads have no order to keep.
      pushChunk: (p) => batcher.push(p),
      stats: () => {
        const s = batcher.stats();
        const pending = chunker.pending;
        return { ...s, pushed: s.pushed + pending, queued: s.queued + pending };
      },
      close: () => batcher.close(),
    };
  };
  const chunks = sink.chunks;
  const dns = path('dns', dnsChunker(rows), chunks ?? { write: (b) => sink.dns.write(unpackDnsChunks(b)) });
  const flow = path(
    'flow',
    flowChunker(rows),
    chunks ?? { write: (b) => sink.flows.write(unpackFlowChunks(b)) },
  );
  return {
    dns: (r) => dns.push(r),
    dnsPacked: (p) => dns.pushChunk(p),
    flow: (r) => flow.push(r),
    stats: () => ({ dns: dns.stats(), flow: flow.stats() }),
    sinkThread: worker?.thread ?? null,
    async close() {
      await dns.close();
      await flow.close();
      await sink.close();
      await Promise.all((c.exporters ?? []).map((e) => e.close()));
    },
  };
}

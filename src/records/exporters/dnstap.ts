/**
 * The dnstap exporter: DNS query records as `dnstap.Dnstap` messages over a bidirectional Frame
 * Streams connection (a Unix socket or TCP), to `fstrm_capture`, dnstap collectors or anything
 * else that speaks the protocol. It reconnects with exponential backoff (the handshake is
 * repeated on every connection); while the collector is away, batches are dropped and counted.
 */
import type { DnsQueryRecord } from '../types.js';
import { encodeDnstap } from './dnstap-codec.js';
import { ExportQueue, type RecordExporter } from './exporter.js';
import { DNSTAP_CONTENT_TYPE, dataFrames, writerHandshake, writerStop } from './fstrm.js';
import { createReconnectingStream, type StreamTarget } from './stream.js';

/** Settings of the dnstap exporter. */
export interface DnstapExporterConfig {
  readonly target: StreamTarget;
  /** Dnstap.identity: the node's name. */
  readonly identity: string;
  /** Dnstap.version. */
  readonly version: string;
  readonly includeAddress: boolean;
  readonly maxQueue?: number | undefined;
  readonly minBackoffMs?: number | undefined;
  readonly maxBackoffMs?: number | undefined;
  readonly onDrop?: ((dropped: number) => void) | undefined;
  readonly onState?: ((up: boolean, error?: Error) => void) | undefined;
}

/** Starts the dnstap exporter; it connects in the background. */
export function createDnstapExporter(c: DnstapExporterConfig): RecordExporter {
  const stream = createReconnectingStream({
    target: c.target,
    handshake: (socket) => writerHandshake(socket, DNSTAP_CONTENT_TYPE),
    minBackoffMs: c.minBackoffMs,
    maxBackoffMs: c.maxBackoffMs,
    onState: c.onState,
  });
  const options = { identity: c.identity, version: c.version, includeAddress: c.includeAddress };
  const queue = new ExportQueue<DnsQueryRecord>({
    maxRecords: c.maxQueue ?? 50_000,
    onDrop: c.onDrop,
    send: (batch) => stream.write(dataFrames(batch.map((r) => encodeDnstap(r, options)))),
  });
  return {
    name: 'dnstap',
    dns: (batch) => queue.offer(batch),
    stats: () => queue.stats(),
    async close(timeoutMs) {
      await queue.close(timeoutMs);
      await stream.close((socket) => writerStop(socket));
    },
  };
}

/**
 * The PostgreSQL sink as a gateway node uses it: opened at the first write, not at start, so a node
 * starts (and keeps answering) while the records database is down (DESIGN principle 6). Until it
 * opens, and whenever it fails, a write throws GH_ERR_RECORDS_SINK: the batcher parks the batch in
 * the spool and replays it, in order, once a later write gets through.
 */
import type { RecordsDatabase } from '../pipeline.js';
import { createPostgresSink, type PostgresSink, type PostgresSinkConfig } from './postgres.js';

/** A records database on PostgreSQL that connects on first use and retries after a failed open. */
export function createDeferredPostgresSink(config: PostgresSinkConfig): RecordsDatabase {
  let opening: Promise<PostgresSink> | null = null;
  let closed = false;
  const open = (): Promise<PostgresSink> => {
    opening ??= createPostgresSink(config).catch((err: unknown) => {
      opening = null; // the next batch tries again
      throw err;
    });
    return opening;
  };
  return {
    dns: { write: async (b) => (await open()).dns.write(b) },
    flows: { write: async (b) => (await open()).flows.write(b) },
    chunks: { write: async (b) => (await open()).chunks.write(b) },
    async close() {
      if (closed) return;
      closed = true;
      const sink = await opening?.catch(() => null);
      await sink?.close();
    },
  };
}

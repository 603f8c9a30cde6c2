/**
 * Worker-thread entry of `createWorkerSink` (worker.ts): owns the SQLite sink, so its synchronous
 * transactions and WAL checkpoints block this thread, never the data plane's event loop.
 * Answers every request with `{ id, ok, result? | message? }`; request 0 is the start-up answer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadYield, type ThreadYield } from '../thread-yield.js';
import { chunkRowCount } from './chunk.js';
import { createSqliteSink, type SqliteSink } from './sqlite.js';
import type { WorkerReply, WorkerRequest, WorkerSinkData } from './worker.js';

/**
 * A write of at most `yieldUpTo` rows yields between its statements; a larger one means the sink is
 * behind (the batcher sends more than one batch at a time only then), and it writes flat out.
 */
function handle(sink: SqliteSink, req: WorkerRequest, yielding: ThreadYield, yieldUpTo: number): unknown {
  switch (req.op) {
    case 'write':
      return sink.writeChunks(
        req.chunks,
        chunkRowCount(req.chunks) <= yieldUpTo ? yielding.yieldThread : undefined,
      );
    case 'query':
      return sink.query(req.query);
    case 'queryFlows':
      return sink.queryFlows(req.query);
    case 'count':
      return sink.count();
    case 'close':
      return sink.close();
  }
}

async function serve(): Promise<void> {
  const port = parentPort;
  if (port === null) return; // imported outside a worker: nothing to serve
  const reply = (msg: WorkerReply): void => port.postMessage(msg);
  const why = (err: unknown): string => (err instanceof Error ? err.message : String(err));
  const data = workerData as WorkerSinkData;
  const yielding = await loadYield(data.yieldModule);
  const yieldUpTo = data.yieldUpTo ?? 0;
  let sink: SqliteSink;
  try {
    sink = createSqliteSink({ path: data.path });
  } catch (err) {
    reply({ id: 0, ok: false, message: why(err) });
    return;
  }
  reply({
    id: 0,
    ok: true,
    result: `yields between statements (writes of up to ${yieldUpTo} rows): ${yielding.note}`,
  });
  port.on('message', (req: WorkerRequest) => {
    try {
      reply({ id: req.id, ok: true, result: handle(sink, req, yielding, yieldUpTo) });
      if (req.op === 'close') port.close();
    } catch (err) {
      reply({ id: req.id, ok: false, message: why(err) });
    }
  });
}

void serve();

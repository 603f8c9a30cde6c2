/**
 * Worker-thread entry of `createWorkerSink` (worker.ts): owns the SQLite sink, so its synchronous
 * transactions and WAL checkpoints block this thread, never the data plane's event loop.
 * Answers every request with `{ id, ok, result? | message? }`; request 0 is the start-up answer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runInBackground } from '../background.js';
import { createSqliteSink, type SqliteSink } from './sqlite.js';
import type { WorkerReply, WorkerRequest, WorkerSinkData } from './worker.js';

function handle(sink: SqliteSink, req: WorkerRequest): unknown {
  switch (req.op) {
    case 'write':
      return sink.writeChunks(req.chunks);
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
  // Before the first write: each write would otherwise take the answering thread's core for its slice.
  const thread = await runInBackground(data.background);
  let sink: SqliteSink;
  try {
    sink = createSqliteSink({ path: data.path });
  } catch (err) {
    reply({ id: 0, ok: false, message: why(err) });
    return;
  }
  reply({ id: 0, ok: true, result: thread });
  port.on('message', (req: WorkerRequest) => {
    try {
      reply({ id: req.id, ok: true, result: handle(sink, req) });
      if (req.op === 'close') port.close();
    } catch (err) {
      reply({ id: req.id, ok: false, message: why(err) });
    }
  });
}

void serve();

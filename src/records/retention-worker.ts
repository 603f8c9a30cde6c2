/**
 * Worker-thread entry of `createRetentionWorker` (retention-client.ts): owns a connection of its own
 * to the records database (retention-db.ts: WAL, busy timeout, so it waits for the sink worker's
 * write transactions rather than failing) and runs the retention steps and the reports on it, so
 * their synchronous roll-ups and groupings block this thread, never the data plane's event loop.
 * Requests are served one at a time, in arrival order; each gets `{ id, ok, result | code, message }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ClassifyDestination } from './aggregate.js';
import { createReports, type Reports } from './report.js';
import { type RetentionSteps, sqliteRetentionSteps } from './retention.js';
import type { RetentionReply, RetentionRequest, RetentionWorkerData } from './retention-client.js';
import { openRecordsDb, type RecordsDb } from './retention-db.js';

interface Served {
  readonly db: RecordsDb;
  readonly steps: RetentionSteps;
  readonly reports: Reports;
  readonly classify: ClassifyDestination;
}

function handle(s: Served, req: RetentionRequest): unknown {
  switch (req.op) {
    case 'rollUp':
      return s.steps.rollUp(req.kind, req.batch, s.classify);
    case 'deleteExpired':
      return s.steps.deleteExpired(req.kind, req.cutoff, req.batch);
    case 'orderHits':
      return s.reports.orderHits();
    case 'monthlyTotals':
      return s.reports.monthlyTotals();
    case 'trafficReport':
      return s.reports.trafficReport(req.from, req.to);
    case 'close':
      return s.db.close();
  }
}

const failure = (id: number, err: unknown): RetentionReply => ({
  id,
  ok: false,
  message: err instanceof Error ? err.message : String(err),
  ...(typeof (err as { code?: unknown })?.code === 'string' ? { code: (err as { code: string }).code } : {}),
});

/** Builds the classifier from the injected module (records import only core). */
async function classifierOf(spec: RetentionWorkerData['classifier']): Promise<ClassifyDestination> {
  const mod = (await import(spec.module)) as {
    createDestinationClassifier(prefixes: readonly string[]): { classify: ClassifyDestination };
  };
  return mod.createDestinationClassifier(spec.prefixes).classify;
}

async function serve(): Promise<void> {
  const port = parentPort;
  if (port === null) return; // imported outside a worker: nothing to serve
  const data = workerData as RetentionWorkerData;
  let served: Served;
  try {
    const classify = await classifierOf(data.classifier);
    const db = openRecordsDb(data.path);
    served = { db, steps: sqliteRetentionSteps(db), reports: createReports(db, classify), classify };
  } catch (err) {
    port.postMessage(failure(0, err));
    port.close();
    return;
  }
  port.postMessage({ id: 0, ok: true } satisfies RetentionReply);
  port.on('message', (req: RetentionRequest) => {
    let reply: RetentionReply;
    try {
      reply = { id: req.id, ok: true, result: handle(served, req) };
    } catch (err) {
      reply = failure(req.id, err);
    }
    port.postMessage(reply);
    if (req.op === 'close') port.close();
  });
}

void serve();

/**
 * A DNS worker thread: one UDP and one TCP socket per configured address (its share of each
 * SO_REUSEPORT group; the kernel spreads queries over the group, socket(7)) and its own pipeline
 * (cache, upstream pool, RRL). Policy and leases come from main (messages.ts); records and counter
 * deltas go back to main, which owns the records path and `/metrics`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CidrIdentityMap, type Identity } from '../../identity/cidr-map.js';
import { CompiledPolicy } from '../../policy/compile.js';
import type { Logger } from '../../telemetry/logger.js';
import { startDnsService } from '../service.js';
import { createWorkerCounters } from './counters.js';
import { LeaseReplica } from './lease-replica.js';
import type { FromWorker, ToWorker, WorkerInit } from './messages.js';
import { createRecordPoster } from './records.js';

/** How often counter deltas go to main (the scrape sees worker queries at most this late). */
const REPORT_MS = 250;

const port = parentPort;
if (port === null) throw new Error('dns/workers/worker.js runs only as a worker thread');
const init = workerData as WorkerInit;
const send = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer ?? []);

function log(level: 'info' | 'warn' | 'error', obj: object, msg: string): void {
  try {
    send({ t: 'log', level, obj, msg });
  } catch {
    // Something in `obj` does not clone (a socket, a function): say what can be said.
    send({ t: 'log', level, obj: { err: String((obj as { err?: unknown }).err ?? '') }, msg });
  }
}

// The service logs through `warn` (rate-limited listener warnings); the rest is for completeness.
const logger = {
  info: (obj: object, msg: string) => log('info', obj, msg),
  warn: (obj: object, msg: string) => log('warn', obj, msg),
  error: (obj: object, msg: string) => log('error', obj, msg),
  child: () => logger,
} as unknown as Logger;

let policy = new CompiledPolicy(init.policy);
const map = new CidrIdentityMap(init.config.dns.identity.map);
const replica = init.leases === null ? null : new LeaseReplica(map);
replica?.apply(init.leases ?? [], true);
const identity: (a: string) => Identity = replica ? (a) => replica.lookup(a) : (a) => map.lookup(a);
const identityV4 = replica ? (a: number) => replica.lookupV4(a) : undefined;
const counters = createWorkerCounters();
const records = createRecordPoster({
  batch: init.recordBatch,
  maxInFlight: init.recordsInFlight,
  flushMs: 100,
  post: (batch) => send({ t: 'records', batch }, [batch.values.buffer as ArrayBuffer]),
});
const report = () => {
  const deltas = counters.drain(records.takeDropped());
  if (deltas !== null) send({ t: 'metrics', deltas });
};
const timer = setInterval(report, REPORT_MS);
timer.unref();

// DoT and DoH stay on main: only the UDP and TCP addresses are this worker's.
const config = { ...init.config, dns: { ...init.config.dns, dot: [], doh: [] } };
const service = await startDnsService({
  config,
  policy: () => policy,
  identity,
  identityV4,
  record: (r) => records.push(r),
  metrics: counters.metrics,
  logger,
  sockets: init.sockets,
});
send({ t: 'ready', bound: service.bound });

async function close(): Promise<void> {
  clearInterval(timer);
  await service.close();
  records.flush();
  records.close();
  report();
  send({ t: 'closed' });
}

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'policy':
      // The parts' domain table is main's SharedArrayBuffer: this view reads it in place.
      policy = new CompiledPolicy(m.parts);
      break;
    case 'leases':
      replica?.apply(m.changes, m.reset);
      break;
    case 'ack':
      records.ack();
      break;
    case 'close':
      void close();
      break;
    case 'crash':
      setImmediate(() => {
        throw new Error(`dns worker ${init.index}: crash requested (test hook)`);
      });
      break;
    case 'probe': {
      const buf = policy.parts.domainBuffer;
      const byte = m.at < buf.byteLength ? (new Uint8Array(buf)[m.at] as number) : -1;
      send({ t: 'probe', shared: buf instanceof SharedArrayBuffer, byte, createdAt: policy.createdAt });
      break;
    }
  }
});

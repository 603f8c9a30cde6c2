/**
 * The DNS worker pool, on main: starts `workers` threads (worker.ts), each with its share of every
 * SO_REUSEPORT group (sockets.ts); posts each policy snapshot's parts (the domain table is a
 * SharedArrayBuffer: shared, not copied) and the lease changes; takes their records into main's
 * records path and their counter deltas into main's metrics. A worker that throws or exits is
 * logged, counted and restarted (the kernel leaves a closed socket out of the group meanwhile).
 */
import { Worker } from 'node:worker_threads';
import { Counter, Gauge } from 'prom-client';
import type { GatehouseConfig } from '../../config/schema.js';
import type { LeaseIndex } from '../../identity/lease-index.js';
import type { CompiledPolicy } from '../../policy/compile.js';
import type { PackedBatch } from '../../records/sinks/packed.js';
import type { DnsQueryRecord } from '../../records/types.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import type { BoundListener } from '../listeners/index.js';
import { applyDeltas } from './counters.js';
import type { FromWorker, LeaseChange, ToWorker, WorkerInit, WorkerSockets } from './messages.js';
import { unpackDns } from './records.js';
import { bindNative, closeUnadopted, type PortGroups, reusePortSockets } from './sockets.js';

/**
 * Each DNS worker's young generation, in MiB: V8 counts two semi-spaces and a large-object space of
 * one semi-space, so 24 is semi-spaces of 8 MiB (a 16 MiB new space, as `--max-semi-space-size=8`
 * gives a whole process). V8's default let a busy worker's new space grow to 32 MiB resident, of
 * little use to a thread whose per-query garbage dies within its batch; the smaller space costs
 * more frequent scavenges of the same few survivors (docs/dns-workers.md).
 */
export const DNS_WORKER_YOUNG_GENERATION_MB = 24;

/** What the pool needs from the gateway. */
export interface DnsWorkersOptions {
  readonly config: GatehouseConfig;
  readonly workers: number;
  readonly sockets: 'native' | 'reuse-port';
  policy(): CompiledPolicy;
  /** RADIUS leases to replicate into the workers; null when identity is the CIDR map alone. */
  readonly leases: LeaseIndex | null;
  record(r: DnsQueryRecord): void;
  /**
   * A worker's packed batch of records, queued as it is (`Records.dnsPacked`); absent: each batch is
   * unpacked and its records handed to `record` one by one.
   */
  readonly recordPacked?: ((batch: PackedBatch) => void) | undefined;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** The worker script; default: worker.js beside this module. */
  readonly workerUrl?: URL;
}

/** A running pool. */
export interface DnsWorkers {
  /** UDP and TCP listeners, one entry per address (every worker shares it). */
  readonly bound: readonly BoundListener[];
  setPolicy(p: CompiledPolicy): void;
  /** Test hook: makes worker `index` throw from its event loop (it is then restarted). */
  crash(index: number): void;
  /** Test hook: what worker `index` sees at byte `at` of its policy's domain table. */
  probe(index: number, at: number): Promise<Extract<FromWorker, { t: 'probe' }>>;
  close(): Promise<void>;
}

interface Slot {
  readonly index: number;
  worker: Worker | null;
  ready: boolean;
  /** Open connections the worker reported, taken off the gauge if it dies. */
  connections: Map<string, number>;
  failures: number;
  startedAt: number;
}

/** Starts the pool; resolves once every worker serves (rejects, closing all, if the first fails). */
export async function startDnsWorkers(o: DnsWorkersOptions): Promise<DnsWorkers> {
  const url = o.workerUrl ?? new URL('./worker.js', import.meta.url);
  const registers = [o.metrics.registry];
  const perWorker = new Counter({
    name: 'gatehouse_dns_worker_queries_total',
    help: 'DNS queries answered by each worker thread (UDP and TCP).',
    labelNames: ['worker'],
    registers,
  });
  const restarts = new Counter({
    name: 'gatehouse_dns_worker_restarts_total',
    help: 'DNS worker threads that threw or exited and were restarted.',
    registers,
  });
  const running = new Gauge({
    name: 'gatehouse_dns_workers',
    help: 'DNS worker threads serving.',
    registers,
  });
  const log = o.logger;
  const groups: PortGroups = { udp: null, tcp: null };
  const slots: Slot[] = Array.from({ length: o.workers }, (_, index) => ({
    index,
    worker: null,
    ready: false,
    connections: new Map(),
    failures: 0,
    startedAt: 0,
  }));
  const probes = new Map<number, (m: Extract<FromWorker, { t: 'probe' }>) => void>();
  let closing = false;
  let started = false;
  let bound: BoundListener[] = [];
  let leaseQueue: LeaseChange[] = [];
  const post = (m: ToWorker) => {
    for (const s of slots) if (s.ready) s.worker?.postMessage(m);
  };
  const flushLeases = () => {
    const changes = leaseQueue;
    leaseQueue = [];
    if (changes.length > 0) post({ t: 'leases', changes, reset: false });
  };
  o.leases?.observe({
    lease(v4, v6, id, identity) {
      if (leaseQueue.length === 0) setImmediate(flushLeases);
      leaseQueue.push({ v4, v6, id, identity });
    },
    refreshed() {
      post({ t: 'leases', changes: [...(o.leases?.active() ?? [])], reset: true });
    },
  });

  const onMessage = (slot: Slot, w: Worker, m: FromWorker) => {
    switch (m.t) {
      case 'records':
        if (o.recordPacked !== undefined) o.recordPacked(m.batch);
        else for (const r of unpackDns(m.batch)) o.record(r);
        w.postMessage({ t: 'ack' } satisfies ToWorker);
        break;
      case 'metrics': {
        perWorker.inc({ worker: String(slot.index) }, applyDeltas(o.metrics, m.deltas));
        for (const [t, d] of m.deltas.connections)
          slot.connections.set(t, (slot.connections.get(t) ?? 0) + d);
        break;
      }
      case 'log':
        log[m.level]({ worker: slot.index, ...m.obj }, m.msg);
        break;
      case 'probe':
        probes.get(slot.index)?.(m);
        probes.delete(slot.index);
        break;
      default:
        break;
    }
  };

  const spawn = (slot: Slot): Promise<BoundListener[]> => {
    const sockets: WorkerSockets =
      o.sockets === 'native' ? bindNative(o.config, groups) : reusePortSockets(o.config, groups);
    const init: WorkerInit = {
      index: slot.index,
      config: o.config,
      sockets,
      policy: o.policy().parts,
      leases: o.leases === null ? null : [...o.leases.active()],
      recordBatch: 512,
      recordsInFlight: 64,
    };
    const w = new Worker(url, {
      workerData: init,
      name: `dns-${slot.index}`,
      resourceLimits: { maxYoungGenerationSizeMb: DNS_WORKER_YOUNG_GENERATION_MB },
    });
    slot.worker = w;
    slot.ready = false;
    slot.startedAt = Date.now();
    return new Promise((resolve, reject) => {
      w.on('message', (m: FromWorker) => {
        if (m.t === 'ready') {
          slot.ready = true;
          running.inc();
          // A swap while this worker started: its snapshot may be older than the current one.
          w.postMessage({ t: 'policy', parts: o.policy().parts } satisfies ToWorker);
          resolve([...m.bound]);
        } else if (m.t === 'closed') void w.terminate();
        else onMessage(slot, w, m);
      });
      w.on('error', (err) => {
        log.error({ worker: slot.index, err }, 'dns worker failed');
        reject(err);
      });
      w.on('exit', (code) => {
        if (slot.ready) running.dec();
        else if (o.sockets === 'native') closeUnadopted(sockets);
        for (const [transport, n] of slot.connections) o.metrics.dnsConnections.dec({ transport }, n);
        slot.connections.clear();
        slot.ready = false;
        slot.worker = null;
        probes.delete(slot.index);
        reject(new Error(`dns worker ${slot.index} exited with code ${code} before serving`));
        if (started && !closing) restart(slot, code);
      });
    });
  };

  const restart = (slot: Slot, code: number) => {
    restarts.inc();
    // Back off when a worker keeps failing (a bad config or a bug), but not after a long healthy run.
    slot.failures = Date.now() - slot.startedAt > 30_000 ? 1 : slot.failures + 1;
    const delay = Math.min(100 * 2 ** (slot.failures - 1), 10_000);
    log.error({ worker: slot.index, code, restartInMs: delay }, 'dns worker exited; restarting it');
    setTimeout(() => {
      if (closing) return;
      try {
        spawn(slot).then(
          () => log.info({ worker: slot.index }, 'dns worker restarted'),
          () => undefined,
        );
      } catch (err) {
        log.error({ worker: slot.index, err }, 'binding a restarted dns worker’s sockets failed');
        restart(slot, -1);
      }
    }, delay).unref();
  };

  const close = async () => {
    closing = true;
    o.leases?.observe(null);
    await Promise.all(
      slots.map(async (s) => {
        const w = s.worker;
        if (w === null) return;
        const exited = new Promise<void>((r) => w.once('exit', () => r()));
        w.postMessage({ t: 'close' } satisfies ToWorker);
        const timer = setTimeout(() => void w.terminate(), 3000);
        await exited;
        clearTimeout(timer);
      }),
    );
  };

  try {
    // The first worker fixes the ports (port 0: the kernel's choice); the others join its groups.
    if (o.sockets === 'native') {
      // `spawn` binds synchronously, slot 0 first: its ports are fixed before the others bind.
      bound = (await Promise.all(slots.map((s) => spawn(s))))[0] as BoundListener[];
    } else {
      bound = await spawn(slots[0] as Slot);
      groups.udp = bound.filter((b) => b.transport === 'udp').map((b) => b.port);
      groups.tcp = bound.filter((b) => b.transport === 'tcp').map((b) => b.port);
      await Promise.all(slots.slice(1).map((s) => spawn(s)));
    }
    started = true;
  } catch (err) {
    await close();
    throw err;
  }
  return {
    bound,
    setPolicy: (p) => post({ t: 'policy', parts: p.parts }),
    crash: (i) => slots[i]?.worker?.postMessage({ t: 'crash' } satisfies ToWorker),
    probe: (i, at) =>
      new Promise((resolve, reject) => {
        const w = slots[i]?.worker;
        if (!w || !slots[i]?.ready) return reject(new Error(`dns worker ${i} is not serving`));
        probes.set(i, resolve);
        w.postMessage({ t: 'probe', at } satisfies ToWorker);
      }),
    close,
  };
}

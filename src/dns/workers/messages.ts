/**
 * What the main thread and the DNS worker threads say to each other (structured clone over the
 * worker's port). Policy travels as `PolicyParts`, whose domain table is a SharedArrayBuffer: the
 * clone shares it, so every worker reads the one table main compiled. Records travel packed
 * (records/sinks/packed.ts) with their array buffer transferred, not copied.
 */
import type { GatehouseConfig } from '../../config/schema.js';
import type { Identity } from '../../identity/cidr-map.js';
import type { PolicyParts } from '../../policy/compile.js';
import type { PackedBatch } from '../../records/sinks/packed.js';
import type { BoundListener } from '../listeners/index.js';

/** One IPv6 lease prefix (top 64 bits and length), as the lease tables key it. */
export interface LeasePrefix {
  readonly hi: number;
  readonly lo: number;
  readonly length: number;
}

/** A lease taken (`id` > 0, with its identity) or given up (`id` 0) on one address or prefix. */
export interface LeaseChange {
  /** IPv4 address as u32, or -1 for an IPv6 prefix. */
  readonly v4: number;
  readonly v6: LeasePrefix | null;
  readonly id: number;
  readonly identity: Identity | null;
}

/** Where a worker serves: the sockets main bound for it, or addresses to bind with `reusePort`. */
export interface WorkerSockets {
  /** `ADDR:PORT` per UDP address and per TCP address (concrete ports once the group has one). */
  readonly udp: readonly string[];
  readonly tcp: readonly string[];
  /** fds from the native addon, parallel to `udp` and `tcp`; absent: bind with Node's `reusePort`. */
  readonly fds?: { readonly udp: readonly number[]; readonly tcp: readonly number[] };
}

/** `workerData` of a DNS worker. */
export interface WorkerInit {
  readonly index: number;
  readonly config: GatehouseConfig;
  readonly sockets: WorkerSockets;
  readonly policy: PolicyParts;
  /** Active leases when the worker starts (null: no RADIUS, the CIDR map alone). */
  readonly leases: readonly LeaseChange[] | null;
  /** Records per batch posted to main, and batches in flight before the worker drops. */
  readonly recordBatch: number;
  readonly recordsInFlight: number;
}

/** Main → worker. */
export type ToWorker =
  | { readonly t: 'policy'; readonly parts: PolicyParts }
  | { readonly t: 'leases'; readonly changes: readonly LeaseChange[]; readonly reset: boolean }
  | { readonly t: 'ack' }
  | { readonly t: 'close' }
  /** Test hooks: throw from the worker's event loop; read byte `at` of the policy's domain table. */
  | { readonly t: 'crash' }
  | { readonly t: 'probe'; readonly at: number };

/** Counter deltas since the worker's previous report (labels are bounded: see telemetry/metrics.ts). */
export interface MetricDeltas {
  /** [transport, rcode, verdict, isp, n] */
  readonly queries: readonly (readonly [string, string, string, string, number])[];
  readonly cache: readonly (readonly [string, number])[];
  /** [transport, kind, n] */
  readonly errors: readonly (readonly [string, string, number])[];
  /** [transport, delta] of open connections */
  readonly connections: readonly (readonly [string, number])[];
  /** [upstream, seconds…]: round-trip samples, at most `RTT_SAMPLES` per report */
  readonly rtt: readonly (readonly [string, readonly number[]])[];
  readonly recordsDropped: number;
}

/** Worker → main. */
export type FromWorker =
  | { readonly t: 'ready'; readonly bound: readonly BoundListener[] }
  | { readonly t: 'records'; readonly batch: PackedBatch }
  | { readonly t: 'metrics'; readonly deltas: MetricDeltas }
  | {
      readonly t: 'log';
      readonly level: 'info' | 'warn' | 'error';
      readonly obj: object;
      readonly msg: string;
    }
  | { readonly t: 'probe'; readonly shared: boolean; readonly byte: number; readonly createdAt: number }
  | { readonly t: 'closed' };

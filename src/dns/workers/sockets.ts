/**
 * Whether the DNS runs in worker threads, and the SO_REUSEPORT sockets each worker gets. Node 20
 * has no `reusePort`, so main binds every worker's sockets with the native addon (native/sockets.c)
 * and the worker adopts the fds; on Node ≥ 22.12 without the addon, workers bind with Node's own
 * `reusePort`. With neither, the DNS stays on the main thread (the caller logs `why`).
 */
import { availableParallelism } from 'node:os';
import type { GatehouseConfig } from '../../config/schema.js';
import { nativeAddon, nativeUnavailable } from '../../native/index.js';
import { parseListen } from '../listeners/address.js';
import { reusePortSupported } from '../listeners/contract.js';
import type { WorkerSockets } from './messages.js';

/** More threads than this buy nothing but memory and context switches on one gateway node. */
export const MAX_AUTO_WORKERS = 16;
/**
 * "auto" uses workers from this many CPUs on. Below it the main thread, which also serves DoT,
 * DoH, the proxy, the control plane and the records path, would compete with the workers for the
 * same cores (docs/dns-workers.md); set `dns.workers` to force them.
 */
export const MIN_AUTO_CPUS = 4;

/** How the DNS runs: `workers` threads (1 = the main thread) and, when 1, why. */
export interface WorkerPlan {
  readonly workers: number;
  readonly sockets: 'native' | 'reuse-port' | null;
  readonly why: string;
}

/** Decides the plan from `dns.workers` ("auto": one per CPU, at most MAX_AUTO_WORKERS) and the runtime. */
export function planDnsWorkers(config: GatehouseConfig, cpus = availableParallelism()): WorkerPlan {
  const asked = config.dns.workers;
  const n = asked === 'auto' ? (cpus >= MIN_AUTO_CPUS ? Math.min(cpus, MAX_AUTO_WORKERS) : 1) : asked;
  if (n <= 1) {
    const why =
      asked === 'auto' ? `dns.workers is auto and ${cpus} CPUs < ${MIN_AUTO_CPUS}` : 'dns.workers is 1';
    return { workers: 1, sockets: null, why };
  }
  if (config.dns.listen.length === 0) return { workers: 1, sockets: null, why: 'no dns.listen addresses' };
  if (nativeAddon() !== null) return { workers: n, sockets: 'native', why: '' };
  if (reusePortSupported()) return { workers: n, sockets: 'reuse-port', why: '' };
  return {
    workers: 1,
    sockets: null,
    why: `no SO_REUSEPORT: native addon ${nativeUnavailable()}, and Node ${process.versions.node} has no reusePort (22.12+)`,
  };
}

/**
 * `config` with `dns.cache.maxBytes` divided among `threads` DNS pipelines (each worker and main,
 * which keeps DoT, DoH and the proxy's lookups). Each pipeline has its own cache (docs/dns-workers.md),
 * and the setting is the memory the answer cache may use in all, not per thread: without the split,
 * N workers could hold N + 1 times what the operator configured.
 */
export function shareCache(config: GatehouseConfig, threads: number): GatehouseConfig {
  const cache = config.dns.cache;
  const maxBytes = Math.floor(cache.maxBytes / Math.max(1, threads));
  return { ...config, dns: { ...config.dns, cache: { ...cache, maxBytes } } };
}

const text = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/**
 * The ports of each address's UDP and TCP group: set when the first worker's sockets are bound
 * (port 0 becomes the port the kernel chose), then every other worker binds to them.
 */
export interface PortGroups {
  udp: number[] | null;
  tcp: number[] | null;
}

/** Binds one worker's sockets with the native addon (the first worker fixes the ports). */
export function bindNative(config: GatehouseConfig, groups: PortGroups): WorkerSockets {
  const addon = nativeAddon();
  if (addon === null) throw new Error('native addon not loaded');
  const at = config.dns.listen.map((l) => parseListen(l));
  const udp: number[] = [];
  const tcp: number[] = [];
  const bound = { udp: [] as number[], tcp: [] as number[] };
  try {
    at.forEach((a, i) => {
      const u = addon.bindSocket('udp', a.host, groups.udp?.[i] ?? a.port, true);
      udp.push(u.fd);
      bound.udp.push(u.port);
      bound.tcp.push(
        bindTcp(addon, a.host, groups.tcp?.[i] ?? (a.port === 0 ? u.port : a.port), tcp, groups),
      );
    });
  } catch (err) {
    for (const fd of [...udp, ...tcp]) addon.closeFd(fd);
    throw err;
  }
  groups.udp ??= bound.udp;
  groups.tcp ??= bound.tcp;
  return {
    udp: at.map((a, i) => text(a.host, bound.udp[i] as number)),
    tcp: at.map((a, i) => text(a.host, bound.tcp[i] as number)),
    fds: { udp, tcp },
  };
}

/** TCP beside UDP on the same port when the port was left to the kernel (RFC 7766 §5), else any. */
function bindTcp(
  addon: NonNullable<ReturnType<typeof nativeAddon>>,
  host: string,
  port: number,
  fds: number[],
  groups: PortGroups,
): number {
  let t: { fd: number; port: number };
  try {
    t = addon.bindSocket('tcp', host, port, true);
  } catch (err) {
    if (groups.tcp !== null || (err as { code?: string }).code !== 'EADDRINUSE') throw err;
    t = addon.bindSocket('tcp', host, 0, true);
  }
  fds.push(t.fd);
  return t.port;
}

/** Sockets for `reuse-port` workers: addresses only (each worker binds with `reusePort`). */
export function reusePortSockets(config: GatehouseConfig, groups: PortGroups): WorkerSockets {
  const at = config.dns.listen.map((l) => parseListen(l));
  return {
    udp: at.map((a, i) => text(a.host, groups.udp?.[i] ?? a.port)),
    tcp: at.map((a, i) => text(a.host, groups.tcp?.[i] ?? a.port)),
  };
}

/** Closes fds a worker never adopted (it failed before `ready`). */
export function closeUnadopted(sockets: WorkerSockets): void {
  const addon = nativeAddon();
  if (addon === null || sockets.fds === undefined) return;
  for (const fd of [...sockets.fds.udp, ...sockets.fds.tcp]) {
    try {
      addon.closeFd(fd);
    } catch {
      // Already closed by the worker's teardown.
    }
  }
}

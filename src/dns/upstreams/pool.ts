/**
 * The upstream pool: forwards a raw query to the best upstream and fails over to the next on
 * timeout, network error, SERVFAIL or REFUSED; probes every upstream periodically so one marked
 * down comes back when it answers again. When every attempt fails the caller gets
 * GH_ERR_DNS_UPSTREAM_FAILED and decides (serve stale, or SERVFAIL): the pool never answers for
 * an upstream itself.
 */

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { GatehouseError, isGatehouseError } from '../../core/errors.js';
import { buildQuery, IdSource, questionKey, RCODE, rcodeOf } from './header.js';
import { rankUpstreams } from './select.js';
import { parseResolvConf, parseUpstream } from './spec.js';
import type { UpstreamTlsOptions } from './stream.js';
import { type ExchangeOptions, Upstream, type UpstreamStats } from './upstream.js';

/** The periodic health probe. */
export interface UpstreamHealthConfig {
  /** Probe period in ms; 0 turns the timer off (`checkHealth()` still works). Default 5000. */
  readonly intervalMs?: number;
  /** Name asked (default `.`, the root). */
  readonly name?: string;
  /** Type asked (default 2, NS). */
  readonly qtype?: number;
  /** Consecutive failures that mark an upstream down (default 3). One success marks it up. */
  readonly downAfter?: number;
}

/** Configuration of `createUpstreamPool`. */
export interface UpstreamPoolConfig {
  /** `ADDR[:PORT]`, `[V6]:PORT`, `tcp://ADDR[:PORT]`, `tls://ADDR[:PORT][#NAME]`; empty = system resolvers. */
  readonly upstreams: readonly string[];
  /** How long one upstream gets to answer before the next is tried. */
  readonly timeoutMs: number;
  readonly tls?: UpstreamTlsOptions;
  /** Monotonic clock in ms (default `performance.now`). */
  readonly now?: () => number;
  /** Uniform [0, 1) source for exploration (default `Math.random`). */
  readonly random?: () => number;
  /** Share of queries sent first to a random healthy upstream other than the fastest (default 0.05). */
  readonly exploreRatio?: number;
  /** Upstreams tried per query at most (default all, up to 3). */
  readonly attempts?: number;
  readonly health?: UpstreamHealthConfig;
  /** UDP sockets (source ports) per upstream (default 4). */
  readonly udpSockets?: number;
  /** Idle TCP/TLS connections close after this many ms (default 10 000). */
  readonly idleMs?: number;
  /** Called with every client query's answer RTT, for histograms (not for health probes). */
  readonly onRtt?: (upstream: string, rttMs: number) => void;
  /** Where the system's resolvers are read from when `upstreams` is empty (default /etc/resolv.conf). */
  readonly resolvConfPath?: string;
}

/** Options of one forwarded query. */
export type ForwardOptions = ExchangeOptions;

/** A forwarded query's answer and where it came from. */
export interface ForwardResult {
  /** The raw answer, with the client's original ID. */
  readonly response: Buffer;
  /** The canonical address of the upstream that answered. */
  readonly upstream: string;
  readonly rttMs: number;
}

/** Forwards raw DNS queries to a set of upstreams. */
export interface UpstreamPool {
  /** Forwards `query`; rejects with GH_ERR_DNS_UPSTREAM_FAILED when every upstream tried failed. */
  query(query: Buffer, opts?: ForwardOptions): Promise<ForwardResult>;
  /** Probes every upstream once now (the timer does this every `intervalMs`). */
  checkHealth(): Promise<void>;
  /** Per-upstream figures, in configured order. */
  stats(): UpstreamStats[];
  /** Stops the probe timer and closes every socket; waiting queries fail. */
  close(): void;
}

/** The upstreams to use when none are configured: the system's, else 127.0.0.1:53. */
export function systemUpstreams(resolvConfPath = '/etc/resolv.conf'): string[] {
  let found: string[] = [];
  try {
    found = parseResolvConf(readFileSync(resolvConfPath, 'utf8'));
  } catch {
    // No resolv.conf: fall through to the loopback default.
  }
  return found.length > 0 ? found : ['127.0.0.1:53'];
}

/** Builds a pool; throws GH_ERR_DNS_UPSTREAM_CONFIG for a malformed upstream address. */
export function createUpstreamPool(config: UpstreamPoolConfig): UpstreamPool {
  return new Pool(config);
}

class Pool implements UpstreamPool {
  readonly #config: UpstreamPoolConfig;
  readonly #upstreams: Upstream[];
  readonly #now: () => number;
  readonly #attempts: number;
  readonly #ids = new IdSource();
  readonly #timer: NodeJS.Timeout | undefined;
  #probing: Promise<void> | null = null;
  #closed = false;

  constructor(config: UpstreamPoolConfig) {
    this.#config = config;
    const texts = config.upstreams.length > 0 ? config.upstreams : systemUpstreams(config.resolvConfPath);
    const options = {
      timeoutMs: config.timeoutMs,
      tls: config.tls,
      udpSockets: config.udpSockets,
      idleMs: config.idleMs,
      downAfter: config.health?.downAfter,
    };
    this.#upstreams = texts.map((t) => new Upstream(parseUpstream(t), options));
    this.#now = config.now ?? (() => performance.now());
    this.#attempts = Math.max(1, Math.min(config.attempts ?? 3, this.#upstreams.length));
    const interval = config.health?.intervalMs ?? 5000;
    // The probe timer alone must not keep the process alive.
    this.#timer = interval > 0 ? setInterval(() => void this.checkHealth(), interval).unref() : undefined;
  }

  async query(msg: Buffer, opts: ForwardOptions = {}): Promise<ForwardResult> {
    if (this.#closed)
      throw new GatehouseError('GH_ERR_DNS_UPSTREAM_FAILED', 'forwarding query: upstream pool is closed');
    if (questionKey(msg) === null) {
      throw new GatehouseError(
        'GH_ERR_DNS_UPSTREAM_QUERY',
        'forwarding query: not a dns query with one question',
      );
    }
    const random = this.#config.random ?? Math.random;
    const order = rankUpstreams(this.#upstreams, random, this.#config.exploreRatio ?? 0.05).slice(
      0,
      this.#attempts,
    );
    const failures: string[] = [];
    for (const up of order) {
      const start = this.#now();
      try {
        const response = await up.exchange(msg, opts);
        const rttMs = this.#now() - start;
        const rcode = rcodeOf(response);
        // REFUSED says the upstream will not serve us at all: it counts against its health.
        // SERVFAIL is often about one name (a broken zone, DNSSEC), so it only moves us on.
        if (rcode === RCODE.refused) up.failed(false);
        else up.succeeded(rttMs);
        this.#reportRtt(up.spec.id, rttMs);
        if (rcode !== RCODE.servFail && rcode !== RCODE.refused)
          return { response, upstream: up.spec.id, rttMs };
        failures.push(`${up.spec.id}: ${rcode === RCODE.refused ? 'REFUSED' : 'SERVFAIL'}`);
      } catch (err) {
        if (opts.signal?.aborted) throw opts.signal.reason ?? err;
        if (isGatehouseError(err, 'GH_ERR_DNS_UPSTREAM_QUERY')) throw err;
        up.failed(isGatehouseError(err, 'GH_ERR_DNS_UPSTREAM_TIMEOUT'));
        failures.push(err instanceof Error ? err.message : String(err));
      }
    }
    const what = `forwarding query: all ${order.length} upstream(s) tried failed`;
    throw new GatehouseError('GH_ERR_DNS_UPSTREAM_FAILED', what, failures);
  }

  checkHealth(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#probing ??= Promise.all(this.#upstreams.map((u) => this.#probe(u))).then(() => {
      this.#probing = null;
    });
    return this.#probing;
  }

  stats(): UpstreamStats[] {
    return this.#upstreams.map((u) => u.stats());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    for (const u of this.#upstreams) u.close();
  }

  #reportRtt(upstream: string, rttMs: number): void {
    try {
      this.#config.onRtt?.(upstream, rttMs);
    } catch {
      // A metrics hook must not turn an answer into an upstream failure.
    }
  }

  /** One probe; NOERROR and NXDOMAIN both prove the upstream is serving. */
  async #probe(up: Upstream): Promise<void> {
    const health = this.#config.health ?? {};
    const msg = buildQuery(health.name ?? '.', health.qtype ?? 2, this.#ids.next());
    const start = this.#now();
    try {
      const rcode = rcodeOf(await up.exchange(msg));
      if (rcode === RCODE.noError || rcode === RCODE.nxDomain) up.succeeded(this.#now() - start);
      else up.failed(false);
    } catch (err) {
      if (!this.#closed) up.failed(isGatehouseError(err, 'GH_ERR_DNS_UPSTREAM_TIMEOUT'));
    }
  }
}

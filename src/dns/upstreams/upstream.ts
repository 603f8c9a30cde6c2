/**
 * One upstream resolver: its transports, its health and its latency.
 *
 * Classic upstreams are asked over UDP and again over TCP when the answer is truncated
 * (RFC 1035 §4.2.1, RFC 7766 §5); `tcp://` upstreams only over TCP; `tls://` only over TLS
 * (RFC 7858 §3: no fallback to cleartext).
 */

import { isTruncated } from './header.js';
import type { UpstreamProtocol, UpstreamSpec } from './spec.js';
import { StreamTransport, type UpstreamTlsOptions } from './stream.js';
import { UdpTransport } from './udp.js';

/** Per-upstream figures for metrics (all counters since start). */
export interface UpstreamStats {
  /** The upstream's canonical address (a bounded label: it comes from configuration). */
  readonly upstream: string;
  readonly protocol: UpstreamProtocol;
  readonly healthy: boolean;
  /** Exponentially weighted mean round-trip time in ms, or null before the first answer. */
  readonly rttEwmaMs: number | null;
  readonly inFlight: number;
  /** Exchanges started, health probes included. */
  readonly queries: number;
  /** Exchanges that failed (timeout, network error, REFUSED), probes included. */
  readonly failures: number;
  readonly consecutiveFailures: number;
  readonly timeouts: number;
  /** UDP answers with TC=1 that were asked again over TCP. */
  readonly truncated: number;
  /** Answers discarded because their ID or question did not match (RFC 5452 §9.1). */
  readonly ignored: number;
}

/** Settings shared by every upstream of a pool. */
export interface UpstreamOptions {
  readonly timeoutMs: number;
  readonly tls?: UpstreamTlsOptions;
  readonly udpSockets?: number;
  readonly idleMs?: number;
  /** Weight of a new RTT sample in the mean (default 0.3). */
  readonly ewmaAlpha?: number;
  /** Consecutive failures that mark the upstream down (default 3). */
  readonly downAfter?: number;
}

/** Options of one exchange. */
export interface ExchangeOptions {
  readonly signal?: AbortSignal;
  /** Skip UDP and ask over TCP (e.g. the client came over TCP). */
  readonly tcp?: boolean;
}

/** One upstream and its running state. Created by the pool; exported for tests. */
export class Upstream {
  readonly spec: UpstreamSpec;
  readonly #options: UpstreamOptions;
  readonly #udp: UdpTransport | null;
  readonly #stream: StreamTransport;
  #healthy = true;
  #rtt: number | null = null;
  #queries = 0;
  #failures = 0;
  #consecutive = 0;
  #timeouts = 0;
  #truncated = 0;
  #ignored = 0;

  constructor(spec: UpstreamSpec, options: UpstreamOptions) {
    this.spec = spec;
    this.#options = options;
    const onIgnored = (): void => {
      this.#ignored++;
    };
    this.#udp =
      spec.protocol === 'udp' ? new UdpTransport(spec, { sockets: options.udpSockets, onIgnored }) : null;
    this.#stream = new StreamTransport(spec, {
      tls: spec.protocol === 'tls' ? (options.tls ?? {}) : null,
      idleMs: options.idleMs,
      onIgnored,
    });
  }

  /** True unless `downAfter` consecutive exchanges failed since the last success. */
  get healthy(): boolean {
    return this.#healthy;
  }

  /** The mean RTT, or null before any answer. */
  get rtt(): number | null {
    return this.#rtt;
  }

  /** Sends one query and resolves with the raw answer (ID restored); rejects on timeout or error. */
  async exchange(query: Buffer, opts: ExchangeOptions = {}): Promise<Buffer> {
    this.#queries++;
    const { timeoutMs } = this.#options;
    if (this.#udp && !opts.tcp) {
      // Retransmit once, on another socket, halfway through the timeout.
      const answer = await this.#udp.exchange(query, timeoutMs, timeoutMs / 2, opts.signal);
      if (!isTruncated(answer)) return answer;
      // RFC 7766 §5: a truncated UDP answer is retried over TCP.
      this.#truncated++;
    }
    return this.#stream.exchange(query, timeoutMs, opts.signal);
  }

  /** Folds in an answer's RTT and clears the failure run; an upstream that answers is healthy. */
  succeeded(rttMs: number): void {
    const alpha = this.#options.ewmaAlpha ?? 0.3;
    this.#rtt = this.#rtt === null ? rttMs : this.#rtt + alpha * (rttMs - this.#rtt);
    this.#consecutive = 0;
    this.#healthy = true;
  }

  /** Counts a failure; a timeout also pulls the mean RTT up, as if the answer took the full timeout. */
  failed(timeout: boolean): void {
    this.#failures++;
    this.#consecutive++;
    if (timeout) {
      this.#timeouts++;
      const alpha = this.#options.ewmaAlpha ?? 0.3;
      const t = this.#options.timeoutMs;
      this.#rtt = this.#rtt === null ? t : this.#rtt + alpha * (t - this.#rtt);
    }
    if (this.#consecutive >= (this.#options.downAfter ?? 3)) this.#healthy = false;
  }

  /** A snapshot of the counters. */
  stats(): UpstreamStats {
    return {
      upstream: this.spec.id,
      protocol: this.spec.protocol,
      healthy: this.#healthy,
      rttEwmaMs: this.#rtt,
      inFlight: (this.#udp?.inFlight ?? 0) + this.#stream.inFlight,
      queries: this.#queries,
      failures: this.#failures,
      consecutiveFailures: this.#consecutive,
      timeouts: this.#timeouts,
      truncated: this.#truncated,
      ignored: this.#ignored,
    };
  }

  /** Closes every socket and connection. */
  close(): void {
    this.#udp?.close();
    this.#stream.close();
  }
}

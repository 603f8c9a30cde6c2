/**
 * One query on its way through the pipeline: what each stage reads and writes. One object per
 * query, created by the handler; stages fill it in order (see pipeline.ts).
 */
import type { Decision } from '../core/decision.js';
import type { Identity } from '../identity/cidr-map.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { DnsQueryRecord } from '../records/types.js';
import type { DnsCache } from './cache.js';
import type { QueryContext } from './listeners/contract.js';
import type { Query } from './wire/query.js';

/** What every stage may use: built once by main.ts, shared by all queries. */
export interface DnsEnv {
  /** The policy in force; read once per query (a swap mid-query never mixes snapshots). */
  policy(): CompiledPolicy;
  identity(address: string): Identity;
  /** `identity` for an IPv4 client already a u32 (`QueryContext.clientV4`); absent: the text path. */
  readonly identityV4?: ((address: number) => Identity) | undefined;
  readonly cache: DnsCache | null;
  /** Sends a query upstream; resolves with the raw response. */
  forward(query: Buffer): Promise<{ response: Buffer; upstream: string }>;
  rateLimit: ((address: string) => 'allow' | 'slip' | 'drop') | null;
  record(r: DnsQueryRecord): void;
  readonly metrics: DnsPipelineMetrics;
  readonly settings: DnsSettings;
  readonly now: () => number;
}

/** Settings the stages read (from the configuration). */
export interface DnsSettings {
  /** UDP payload size we advertise and send (RFC 6891). */
  readonly ednsBufferSize: number;
  /** Negative TTL of block answers, seconds. */
  readonly blockTtl: number;
  readonly structuredErrors: 'auto' | 'always' | 'never';
  /** Draft structured-error EDNS option code (unassigned by IANA yet; -1 = only the old signal). */
  readonly sdeOptionCode: number;
  /** Base URL of notices (`/notices/ID`) and appeals. */
  readonly operatorUrl: string;
  /** Addresses of the notice page, for orders that answer blocked names with it. */
  readonly noticeAddresses: { readonly ipv4: string | null; readonly ipv6: string | null };
  /** SOA MNAME/RNAME of synthetic negative answers. */
  readonly soaMname: string;
  readonly soaRname: string;
}

/** Counters the pipeline bumps (bounded labels only). */
export interface DnsPipelineMetrics {
  /** `isp` is '' when no prefix or lease names the client's ISP. */
  answered(transport: string, rcode: number, verdict: string, isp: string): void;
  cache(result: 'hit' | 'miss' | 'stale'): void;
  error(transport: string, kind: string): void;
}

/** The per-query state. */
export interface Exchange {
  readonly raw: Buffer;
  readonly ctx: QueryContext;
  /** performance.now() at arrival, for latency. */
  readonly started: number;
  readonly policy: CompiledPolicy;
  query: Query | null;
  /** Lowercase query name without trailing dot. */
  name: string;
  identity: Identity | null;
  decision: Decision;
  response: Buffer | null;
  cacheHit: boolean;
  upstream: string | null;
  ede: number | null;
  /** Set when a stage decided to send nothing (rate limit, unparseable). */
  dropped: boolean;
}

/** A stage: returns true when the exchange is answered (or dropped) and later stages must skip. */
export type Stage = (x: Exchange, env: DnsEnv) => boolean | Promise<boolean>;

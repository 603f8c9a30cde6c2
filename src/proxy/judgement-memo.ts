/**
 * The judgement of the last request on a kept-alive connection, reused for the next request to
 * the same authority only while it is provably what `judge` would answer again:
 *
 *  - the same policy snapshot (snapshots are immutable; a new one is a new object) and the same
 *    identity (one per connection);
 *  - no order of the snapshot starts or expires in between (`evaluate` reads the time only for
 *    `notBefore ≤ time < expiresAt`), so the time is cut at the snapshot's next such boundary;
 *  - the URL does not matter: URL rules match an exact host (policy/match/url-table.ts), so when
 *    the snapshot has none for the URL's host, `evaluate({url})` depends on the host alone, which
 *    the authority fixes;
 *  - the gateway's own lookup is at most LOOKUP_REUSE_MS old (real time): the name's answer may
 *    move with its TTL, and a client pins its connection to an address far longer than that.
 *
 * A block, a failed lookup or a redirected (transparent) connection is never memoised. A new
 * policy on a live connection is still applied at once by LiveTable.reevaluate; the next request
 * then meets a new snapshot and is judged afresh.
 */
import type { CompiledPolicy } from '../policy/compile.js';
import type { DestinationFacts, Judgement } from './decide.js';

/** How long (real milliseconds) one lookup's answer serves the requests of a connection. */
export const LOOKUP_REUSE_MS = 1000;

interface SnapshotFacts {
  /** Hosts some URL rule names (normalised as the URL table keeps them). */
  readonly urlHosts: ReadonlySet<string>;
  /** Every order's notBefore and expiresAt, ascending. */
  readonly boundaries: Float64Array;
}

const bySnapshot = new WeakMap<CompiledPolicy, SnapshotFacts>();

function snapshotFacts(policy: CompiledPolicy): SnapshotFacts {
  let f = bySnapshot.get(policy);
  if (f !== undefined) return f;
  const boundaries = new Float64Array(policy.orders.length * 2);
  policy.orders.forEach((o, i) => {
    boundaries[2 * i] = o.notBefore;
    boundaries[2 * i + 1] = o.expiresAt;
  });
  boundaries.sort();
  f = { urlHosts: new Set(policy.urls.rules.map((r) => r.host)), boundaries };
  bySnapshot.set(policy, f);
  return f;
}

/** The first boundary strictly after `time`, or Infinity. */
function nextBoundary(boundaries: Float64Array, time: number): number {
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (boundaries[mid] <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo < boundaries.length ? boundaries[lo] : Number.POSITIVE_INFINITY;
}

// The host `evaluate` takes from a URL (policy/evaluate.ts splitUrl), computed the same way.
function urlHost(url: string): string | null {
  const m = /^https?:\/\/([^/?#]+)/i.exec(url);
  return m === null ? null : m[1].replace(/:\d+$/, '').toLowerCase();
}

/** What a request is judged by, besides the connection's identity. */
export interface MemoKey {
  readonly authority: string;
  readonly port: number;
  /** `http://{authority}{path}`; null when the request has no URL (asterisk-form). */
  readonly url: string | null;
}

/** One connection's memo: the last reusable judgement. */
export class JudgementMemo {
  readonly #clock: () => number;
  #policy: CompiledPolicy | null = null;
  #authority = '';
  #port = 0;
  #judgement: Judgement | null = null;
  /** Policy time (ctx.now) the judgement was made at, and the boundary it is good until. */
  #at = 0;
  #until = 0;
  /** The memo's clock when the lookup behind it started. */
  #lookedUp = 0;

  /** `clock`: real milliseconds, for the age of a lookup (injected by tests). */
  constructor(clock: () => number = () => performance.now()) {
    this.#clock = clock;
  }

  /** The memo's clock now: read before judging, given back to `set`. */
  now(): number {
    return this.#clock();
  }

  /**
   * The memoised judgement for `key` under `policy` at `time`, with facts naming this request's
   * URL (the live table re-judges by them), or null when it must be judged afresh.
   */
  get(policy: CompiledPolicy, time: number, key: MemoKey): Judgement | null {
    const j = this.#judgement;
    if (j === null || policy !== this.#policy || key.authority !== this.#authority) return null;
    if (key.port !== this.#port || key.url === null || j.facts.url === null) return null;
    if (time < this.#at || time >= this.#until) return null;
    if (this.#clock() - this.#lookedUp >= LOOKUP_REUSE_MS) return null;
    const facts: DestinationFacts = {
      domain: j.facts.domain,
      url: key.url,
      address: j.facts.address,
      destinationClass: j.facts.destinationClass,
    };
    return { decision: j.decision, facts, addresses: j.addresses, unresolved: false };
  }

  /**
   * Keeps `j` (judged at `time` for `key` under `policy`, its lookup started at `lookedUp` on the
   * memo's clock) when it may be reused; see the header.
   */
  set(policy: CompiledPolicy, time: number, lookedUp: number, key: MemoKey, j: Judgement): void {
    this.#judgement = null;
    if (j.unresolved || j.decision.action === 'block' || key.url === null) return;
    const host = urlHost(key.url);
    const snapshot = snapshotFacts(policy);
    if (host === null || snapshot.urlHosts.has(host)) return;
    this.#policy = policy;
    this.#authority = key.authority;
    this.#port = key.port;
    this.#judgement = j;
    this.#at = time;
    this.#until = nextBoundary(snapshot.boundaries, time);
    this.#lookedUp = lookedUp;
  }
}

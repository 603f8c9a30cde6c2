/**
 * Judgements of recent requests, shared by every connection of the proxy, reused for a later
 * request to the same authority and port (on the same kept-alive connection or a new one) only
 * while it is provably what `judge` would answer again:
 *
 *  - the same policy snapshot (snapshots are immutable; a new one is a new object) and the same
 *    identity object (`ProxyDeps.identity` hands out one frozen object per prefix or lease: the
 *    isp, groups and subscriber that `evaluate` and the lookup see); a new identity object, even
 *    an equal one, starts empty;
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
 *
 * Why shared: a client that opens a connection per request (`Connection: close`, or a browser's
 * six parallel connections) would otherwise pay the three-stage judgement, DNS pipeline included,
 * for every connection. Bounded: at most MAX_PER_IDENTITY entries per identity (the oldest goes),
 * and the identities themselves are weakly held.
 */
import type { Identity } from '../identity/cidr-map.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { DestinationFacts, Judgement } from './decide.js';

/** How long (real milliseconds) one lookup's answer serves the requests of a connection. */
export const LOOKUP_REUSE_MS = 1000;

/** Judgements kept per identity (the oldest is dropped first). */
export const MAX_PER_IDENTITY = 512;

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

interface Entry {
  readonly policy: CompiledPolicy;
  readonly judgement: Judgement;
  /** Policy time (ctx.now) the judgement was made at, and the boundary it is good until. */
  readonly at: number;
  readonly until: number;
  /** The memo's clock when the lookup behind it started. */
  readonly lookedUp: number;
}

/** The proxy's memo: reusable judgements by identity, then by `port|authority`. */
export class JudgementMemo {
  readonly #clock: () => number;
  readonly #byIdentity = new WeakMap<Identity, Map<string, Entry>>();

  /** `clock`: real milliseconds, for the age of a lookup (injected by tests). */
  constructor(clock: () => number = () => performance.now()) {
    this.#clock = clock;
  }

  /** The memo's clock now: read before judging, given back to `set`. */
  now(): number {
    return this.#clock();
  }

  /**
   * The memoised judgement for `key` under `policy` for `identity` at `time`, with facts naming
   * this request's URL (the live table re-judges by them), or null when it must be judged afresh.
   */
  get(policy: CompiledPolicy, identity: Identity, time: number, key: MemoKey): Judgement | null {
    if (key.url === null) return null;
    const entries = this.#byIdentity.get(identity);
    if (entries === undefined) return null;
    const k = entryKey(key);
    const e = entries.get(k);
    if (e === undefined) return null;
    if (policy !== e.policy || this.#clock() - e.lookedUp >= LOOKUP_REUSE_MS) {
      entries.delete(k);
      return null;
    }
    if (time < e.at || time >= e.until) return null;
    const j = e.judgement;
    // The same URL again (a client fetching one resource over and over): the kept judgement is
    // it exactly, shared as is (judgements are never changed once made).
    if (key.url === j.facts.url) return j;
    const facts: DestinationFacts = {
      domain: j.facts.domain,
      url: key.url,
      address: j.facts.address,
      destinationClass: j.facts.destinationClass,
    };
    return { decision: j.decision, facts, addresses: j.addresses, unresolved: false };
  }

  /**
   * Keeps `j` (judged at `time` for `identity` and `key` under `policy`, its lookup started at
   * `lookedUp` on the memo's clock) when it may be reused; see the header.
   */
  set(
    policy: CompiledPolicy,
    identity: Identity,
    time: number,
    lookedUp: number,
    key: MemoKey,
    j: Judgement,
  ): void {
    let entries = this.#byIdentity.get(identity);
    const k = entryKey(key);
    entries?.delete(k);
    if (j.unresolved || j.decision.action === 'block' || key.url === null) return;
    const host = urlHost(key.url);
    const snapshot = snapshotFacts(policy);
    if (host === null || snapshot.urlHosts.has(host)) return;
    if (entries === undefined) {
      entries = new Map();
      this.#byIdentity.set(identity, entries);
    } else if (entries.size >= MAX_PER_IDENTITY) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      entries.delete(entries.keys().next().value as string);
    }
    const until = nextBoundary(snapshot.boundaries, time);
    entries.set(k, { policy, judgement: j, at: time, until, lookedUp });
  }
}

function entryKey(key: MemoKey): string {
  return `${key.port}|${key.authority}`;
}

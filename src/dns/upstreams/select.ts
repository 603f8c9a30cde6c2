/**
 * Which upstream to ask first: the fastest healthy one, mostly.
 *
 * Healthy upstreams are ordered by mean RTT (an upstream not yet measured goes first, so every
 * one gets measured early); with probability `exploreRatio` a random other healthy upstream is
 * put first instead, so a slow one that became fast is noticed. Upstreams marked down come last,
 * in configured order: they are still tried when every healthy one has failed.
 */

/** What ranking needs to know of an upstream. */
export interface Rankable {
  readonly healthy: boolean;
  readonly rtt: number | null;
}

/** The order in which to try `upstreams` for one query. `random` returns [0, 1). */
export function rankUpstreams<T extends Rankable>(
  upstreams: readonly T[],
  random: () => number,
  exploreRatio: number,
): T[] {
  const healthy = upstreams.filter((u) => u.healthy);
  // Array.prototype.sort is stable: equal RTTs keep configured order.
  healthy.sort((a, b) => (a.rtt ?? -1) - (b.rtt ?? -1));
  if (healthy.length > 1 && random() < exploreRatio) {
    const i = 1 + Math.floor(random() * (healthy.length - 1));
    const first = healthy[0];
    healthy[0] = healthy[i];
    healthy[i] = first;
  }
  for (const u of upstreams) if (!u.healthy) healthy.push(u);
  return healthy;
}

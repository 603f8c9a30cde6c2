/**
 * Limits on appeal submissions: a token bucket per client address and one for everyone, so a
 * flood from one address is refused quickly and a distributed one cannot fill the operators'
 * queue either. Addresses are held only in memory, and at most `maxAddresses` of them.
 */

/** Bucket sizes: `burst` at once, refilled at `perHour`. */
export interface FloodLimits {
  readonly perAddress: { readonly burst: number; readonly perHour: number };
  readonly total: { readonly burst: number; readonly perHour: number };
  /** Addresses tracked at most; beyond it the oldest are forgotten. */
  readonly maxAddresses?: number;
}

/** Defaults: 5 at once then 10 an hour per address; 200 at once then 600 an hour in all. */
export const DEFAULT_FLOOD_LIMITS: FloodLimits = {
  perAddress: { burst: 5, perHour: 10 },
  total: { burst: 200, perHour: 600 },
};

interface Bucket {
  tokens: number;
  at: number;
}

/** Takes one token for `address`; returns 0 when allowed, else the seconds to wait. */
export type FloodGate = (address: string) => number;

/** Creates the gate. */
export function createFloodGate(limits: FloodLimits, clock: () => number): FloodGate {
  const buckets = new Map<string, Bucket>();
  const total: Bucket = { tokens: limits.total.burst, at: clock() };
  const max = limits.maxAddresses ?? 100_000;
  const refill = (b: Bucket, spec: FloodLimits['total'], now: number) => {
    b.tokens = Math.min(spec.burst, b.tokens + ((now - b.at) * spec.perHour) / 3_600_000);
    b.at = now;
  };
  const wait = (b: Bucket, spec: FloodLimits['total']) => Math.ceil(((1 - b.tokens) * 3600) / spec.perHour);
  return (address) => {
    const now = clock();
    let b = buckets.get(address);
    if (b === undefined) {
      if (buckets.size >= max) buckets.delete(buckets.keys().next().value as string);
      b = { tokens: limits.perAddress.burst, at: now };
      buckets.set(address, b);
    }
    refill(b, limits.perAddress, now);
    refill(total, limits.total, now);
    if (b.tokens < 1) return wait(b, limits.perAddress);
    if (total.tokens < 1) return wait(total, limits.total);
    b.tokens -= 1;
    total.tokens -= 1;
    return 0;
  };
}

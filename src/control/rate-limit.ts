/**
 * Failed sign-ins, limited per account name and per source address (a sliding window): a name
 * guessed from many addresses and an address guessing many names are both slowed down. Held in
 * memory: a restart forgets, which an attacker cannot cause from outside.
 */

/** Limits of the window. */
export interface SignInLimits {
  readonly windowMs: number;
  readonly perName: number;
  readonly perAddress: number;
}

/** The defaults: 5 failures per name, 20 per address, in 15 minutes. */
export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { windowMs: 15 * 60_000, perName: 5, perAddress: 20 };

/** The limiter. */
export interface SignInLimiter {
  /** Seconds to wait before another attempt for `name` from `address`, or 0 when allowed. */
  retryAfter(name: string, address: string): number;
  fail(name: string, address: string): void;
  /** A successful sign-in forgets the name's failures (not the address's). */
  succeed(name: string): void;
}

/** Creates a limiter on `clock`. */
export function createSignInLimiter(
  clock: () => number,
  limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS,
): SignInLimiter {
  const failures = new Map<string, number[]>();
  const recent = (key: string, now: number) => {
    const list = (failures.get(key) ?? []).filter((t) => t > now - limits.windowMs);
    if (list.length === 0) failures.delete(key);
    else failures.set(key, list);
    return list;
  };
  const wait = (key: string, max: number, now: number) => {
    const list = recent(key, now);
    if (list.length < max) return 0;
    return Math.max(1, Math.ceil((list[list.length - max] + limits.windowMs - now) / 1000));
  };
  return {
    retryAfter(name, address) {
      const now = clock();
      return Math.max(wait(`n:${name}`, limits.perName, now), wait(`a:${address}`, limits.perAddress, now));
    },
    fail(name, address) {
      const now = clock();
      // Bounded memory: an address spraying names adds one key per name, kept only for the window.
      if (failures.size > 100_000) failures.clear();
      for (const key of [`n:${name}`, `a:${address}`]) failures.set(key, [...recent(key, now), now]);
    },
    succeed(name) {
      failures.delete(`n:${name}`);
    },
  };
}

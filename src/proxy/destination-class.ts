/**
 * Destination classes for throttle orders that target "international traffic": an address is
 * domestic when `proxy.domesticPrefixes` covers it, international otherwise.
 *
 * Not yet expressible in the policy model. What the lead must add: a target kind
 * `class:international` (and `class:domestic`) in `policy/target.ts` and `model.ts`, compiled
 * into a per-order flag rather than a table entry; `evaluate` would then take the destination
 * class as a fact (`Facts.destinationClass`), computed here once per connection with
 * `createDestinationClassifier(settings.domesticPrefixes)`.
 */
import { maskWords, type Prefix, parseAddress, parsePrefix } from '../core/net/address.js';

/** Where a destination lies. */
export type DestinationClass = 'domestic' | 'international';

/** Classifies addresses against a fixed set of domestic prefixes. */
export interface DestinationClassifier {
  classify(address: string): DestinationClass;
  /** True when no domestic prefix covers `address` (unparseable addresses count as international). */
  isInternational(address: string): boolean;
}

function covers(prefix: Prefix, addr: Prefix): boolean {
  if (prefix.family !== addr.family) return false;
  const a = maskWords(addr, prefix.length);
  const p = maskWords(prefix, prefix.length);
  return a[0] === p[0] && a[1] === p[1] && a[2] === p[2] && a[3] === p[3];
}

/** Builds a classifier; throws RangeError quoting a prefix that does not parse. */
export function createDestinationClassifier(domesticPrefixes: readonly string[]): DestinationClassifier {
  const prefixes = domesticPrefixes.map((text) => {
    const p = parsePrefix(text);
    if (p === null) throw new RangeError(`domestic prefixes: invalid cidr "${text}"`);
    return p;
  });
  const isInternational = (address: string): boolean => {
    // IPv4-mapped IPv6 (`::ffff:192.0.2.1`, as Node reports dual-stack peers) is judged as IPv4.
    const text = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
    const addr = parseAddress(text);
    return addr === null || !prefixes.some((p) => covers(p, addr));
  };
  return {
    isInternational,
    classify: (address) => (isInternational(address) ? 'international' : 'domestic'),
  };
}

/** One-off form of `createDestinationClassifier(prefixes).isInternational(address)`. */
export function isInternational(address: string, domesticPrefixes: readonly string[]): boolean {
  return createDestinationClassifier(domesticPrefixes).isInternational(address);
}

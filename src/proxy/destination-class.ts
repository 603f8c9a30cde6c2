/**
 * Destination classes: an address is domestic when `proxy.domesticPrefixes` covers it,
 * international otherwise. Orders target them as `class:international` / `class:domestic`
 * (policy/class-target.ts); the proxy classifies the address it dials once per connection
 * (`classOf`, in decide.ts) and gives the class to `evaluate` beside the address. Records use
 * `classify` for their traffic reports.
 */
import { maskWords, type Prefix, parseAddress, parsePrefix } from '../core/net/address.js';
import type { DestinationClass } from '../policy/class-target.js';

export type { DestinationClass } from '../policy/class-target.js';

/** Classifies addresses against a fixed set of domestic prefixes. */
export interface DestinationClassifier {
  classify(address: string): DestinationClass;
  /** True when no domestic prefix covers `address` (unparseable addresses count as international). */
  isInternational(address: string): boolean;
  /**
   * The class policy judges by, or null when it cannot be known: with no domestic prefixes
   * configured nothing is domestic, and calling the whole internet "international" would turn an
   * international throttle into a national one by omission; an unparseable address has no class.
   */
  classOf(address: string): DestinationClass | null;
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
  // IPv4-mapped IPv6 (`::ffff:192.0.2.1`, as Node reports dual-stack peers) is judged as IPv4.
  const parse = (address: string) =>
    parseAddress(address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address);
  const domestic = (addr: Prefix) => prefixes.some((p) => covers(p, addr));
  const isInternational = (address: string): boolean => {
    const addr = parse(address);
    return addr === null || !domestic(addr);
  };
  return {
    isInternational,
    classify: (address) => (isInternational(address) ? 'international' : 'domestic'),
    classOf: (address) => {
      const addr = prefixes.length === 0 ? null : parse(address);
      if (addr === null) return null;
      return domestic(addr) ? 'domestic' : 'international';
    },
  };
}

/** One-off form of `createDestinationClassifier(prefixes).isInternational(address)`. */
export function isInternational(address: string, domesticPrefixes: readonly string[]): boolean {
  return createDestinationClassifier(domesticPrefixes).isInternational(address);
}

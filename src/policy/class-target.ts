/**
 * Destination-class targets: `class:international` (every destination outside the configured
 * domestic prefixes, `proxy.domesticPrefixes`) and `class:domestic` (every destination inside
 * them). The class of a destination is known once its address is, so these targets are judged
 * only where the proxy judges a connection by the address it dials (proxy/decide.ts). DNS never
 * passes a class: a name is not a destination, and one name may resolve to domestic and foreign
 * copies (CDNs), so judging it by one answer would act on the wrong traffic.
 *
 * Which actions a class target may carry (`classActionProblem`):
 *   throttle  the reason the kind exists ("slow international traffic");
 *   block     a court may order a national block of all foreign traffic; it is disclosed like
 *             any address block (HTTP 451, the CONNECT's 451, a TLS access_denied alert);
 *   allow     an exemption (e.g. `class:domestic` at a narrower scope than a throttle);
 *   safe-search and disconnect: no meaning (one rewrites names at DNS, the other names subscribers).
 */

/** Where a destination lies relative to the country's own address space. */
export type DestinationClass = 'domestic' | 'international';

/** Every class a target may name, in the order the docs list them. */
export const DESTINATION_CLASSES: readonly DestinationClass[] = ['international', 'domestic'];

/** The words `explain` and the console use for a class target. */
export const CLASS_WORDS: Record<DestinationClass, string> = {
  international: 'every international destination (any address outside the configured domestic prefixes)',
  domestic: 'every domestic destination (any address inside the configured domestic prefixes)',
};

/** True for a line written as a class target (`class:NAME`, `@@class:NAME$mods`) whose NAME is no class. */
export function isUnknownClassLine(line: string): boolean {
  const m = /^(?:@@)?class:([^$]*)/i.exec(line.trim());
  return m !== null && 'error' in parseClassName(m[1]);
}

/** Parses the body after `class:`; returns the class, or an error naming the classes known. */
export function parseClassName(name: string): { value: DestinationClass } | { error: string } {
  const lower = name.toLowerCase();
  if ((DESTINATION_CLASSES as readonly string[]).includes(lower)) return { value: lower as DestinationClass };
  return { error: `unknown destination class "${name}" (known: ${DESTINATION_CLASSES.join(', ')})` };
}

/** Why an order with `action` cannot carry a class target, or null when it can. */
export function classActionProblem(action: string): string | null {
  if (action === 'block' || action === 'throttle' || action === 'allow') return null;
  return `a ${action} order cannot target a destination class (only block, throttle and allow can)`;
}

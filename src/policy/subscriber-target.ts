/**
 * The target of a disconnect order: `subscriber:ISP/ID`, one subscriber of one ISP (the id as that
 * ISP's RADIUS accounting reports it in User-Name). Disconnect orders name subscribers, never names
 * or addresses, so these targets never reach the DNS and proxy matchers.
 */

/** One subscriber named by a disconnect order. */
export interface SubscriberTarget {
  readonly isp: string;
  readonly id: string;
}

const SUBSCRIBER = /^subscriber:([a-z0-9][a-z0-9-]{0,62})\/([^\s\p{Cc}\p{Cf}]{1,128})$/u;

/** Parses `subscriber:ISP/ID`; returns the target or a message saying what was wrong. */
export function parseSubscriberTarget(text: string): SubscriberTarget | string {
  const m = SUBSCRIBER.exec(text.trim());
  if (m === null)
    return `expected subscriber:ISP/ID (ISP lowercase letters, digits, hyphens), got "${text.trim()}"`;
  return { isp: m[1], id: m[2] };
}

/** The canonical text of a subscriber target. */
export function formatSubscriberTarget(t: SubscriberTarget): string {
  return `subscriber:${t.isp}/${t.id}`;
}

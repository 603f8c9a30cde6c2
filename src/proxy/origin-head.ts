/**
 * The request head Gatehouse forwards to an origin (RFC 9112 §3.2.1, RFC 9110 §7.6): what the
 * proxy judged is what it forwards.
 */
import type { RequestHead } from './http-head.js';

/** How `formatOriginHead` writes the forwarded head. */
export interface OriginHeadOptions {
  /** received-by in Via (RFC 9110 §7.6.3): a pseudonym such as `gatehouse`, never an internal host. */
  readonly via: string;
  /** Upgrade protocols let through (e.g. `websocket`); any other Upgrade is stripped. Default none. */
  readonly upgradeProtocols?: readonly string[];
  /** Ask the origin to close after this exchange. */
  readonly close?: boolean;
}

// RFC 9110 §7.6.1 hop-by-hop fields, plus Proxy-Authorization (the gateway's, never the origin's).
// Transfer-Encoding stays: the body is relayed as received, so its framing must go with it.
const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
]);

/**
 * Writes the head forwarded to the origin: origin-form target (RFC 9112 §3.2.1), Host first
 * and rewritten from what was judged (§3.2.2), hop-by-hop fields and the fields Connection names
 * removed (RFC 9110 §7.6.1), one Content-Length, and our Via appended (RFC 9110 §7.6.3).
 */
export function formatOriginHead(head: RequestHead, options: OriginHeadOptions): Buffer {
  const target = head.form === 'authority' ? head.authority : head.path;
  // Built as one string (no line array, no Sets when Connection names nothing): this runs per request.
  let text = `${head.method} ${target} HTTP/1.1\r\nhost: ${head.authority}\r\n`;
  const drop = head.connection;
  let lengthWritten = false;
  for (const [name, value] of head.headers) {
    if (name === 'host' || HOP_BY_HOP.has(name) || (drop.length > 0 && drop.includes(name))) continue;
    if (name === 'content-length') {
      if (!lengthWritten) text += `content-length: ${head.contentLength}\r\n`;
      lengthWritten = true;
    } else text += `${name}: ${value}\r\n`;
  }
  const kept = head.upgrade === null ? [] : keptUpgrades(head.upgrade, options.upgradeProtocols ?? []);
  if (kept.length > 0) text += `upgrade: ${kept.join(', ')}\r\n`;
  const connection = [...(kept.length > 0 ? ['upgrade'] : []), ...(options.close ? ['close'] : [])];
  if (connection.length > 0) text += `connection: ${connection.join(', ')}\r\n`;
  text += `via: ${head.version} ${options.via}\r\n\r\n`;
  return Buffer.from(text, 'latin1');
}

function keptUpgrades(upgrade: string, allowedList: readonly string[]): string[] {
  const allowed = new Set(allowedList);
  const upgrades = upgrade.split(',').map((p) => p.trim());
  return upgrades.filter((p) => p !== '' && allowed.has(p.split('/')[0].toLowerCase()));
}

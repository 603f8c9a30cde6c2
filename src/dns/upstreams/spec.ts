/**
 * Upstream addresses as configured: `ADDR[:PORT]`, `[V6ADDR]:PORT`, `tcp://ADDR[:PORT]` and
 * `tls://ADDR[:PORT][#SERVERNAME]`, plus the system's resolvers from `/etc/resolv.conf`.
 * Upstreams are IP literals only: resolving the resolver would need a resolver.
 */

import { GatehouseError } from '../../core/errors.js';
import { formatPrefix, parseAddress } from '../../core/net/address.js';

/** How an upstream is reached: classic DNS (UDP, TCP on truncation), TCP only, or DNS over TLS. */
export type UpstreamProtocol = 'udp' | 'tcp' | 'tls';

/** One parsed upstream. */
export interface UpstreamSpec {
  /** Canonical text, used as the upstream's name in stats and results (`tls://192.0.2.1:853#dns.example`). */
  readonly id: string;
  readonly protocol: UpstreamProtocol;
  /** Canonical IP literal (no brackets); an IPv6 zone (`%eth0`) is kept. */
  readonly host: string;
  readonly family: 4 | 6;
  readonly port: number;
  /** TLS only: the name the certificate must carry (and the SNI sent); absent means verify the IP. */
  readonly servername?: string;
}

const DEFAULT_PORT: Record<UpstreamProtocol, number> = { udp: 53, tcp: 53, tls: 853 };

/** Parses one upstream address; throws GH_ERR_DNS_UPSTREAM_CONFIG quoting the bad text. */
export function parseUpstream(text: string): UpstreamSpec {
  const fail = (why: string): never => {
    throw new GatehouseError('GH_ERR_DNS_UPSTREAM_CONFIG', `parsing upstream "${text}": ${why}`);
  };
  let rest = text.trim();
  let protocol: UpstreamProtocol = 'udp';
  const scheme = /^([a-z]+):\/\//i.exec(rest);
  if (scheme) {
    const s = scheme[1].toLowerCase();
    if (s === 'udp' || s === 'dns') protocol = 'udp';
    else if (s === 'tcp' || s === 'tls') protocol = s;
    else fail(`unknown scheme "${s}"`);
    rest = rest.slice(scheme[0].length);
  }
  let servername: string | undefined;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    if (protocol !== 'tls') fail('a #servername is only meaningful for tls://');
    servername = rest.slice(hash + 1).toLowerCase();
    rest = rest.slice(0, hash);
    if (!/^[a-z0-9]([a-z0-9-]{0,62}\.?)*$/.test(servername) || servername.length > 253)
      fail('bad servername');
  }
  const { hostText, portText } = splitHostPort(rest);
  const [bare, zone] = hostText.split('%', 2);
  const addr = parseAddress(bare);
  if (!addr) return fail('not an IP address (hostnames are not accepted for upstreams)');
  if (zone !== undefined && (addr.family !== 6 || !/^[\w.-]+$/.test(zone))) fail('bad zone id');
  let port = DEFAULT_PORT[protocol];
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : -1;
    if (port < 1 || port > 65535) fail(`bad port "${portText}"`);
  }
  const host = formatPrefix(addr) + (zone === undefined ? '' : `%${zone}`);
  const hostPort = addr.family === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  const prefix = protocol === 'udp' ? '' : `${protocol}://`;
  const id = prefix + hostPort + (servername ? `#${servername}` : '');
  return { id, protocol, host, family: addr.family, port, ...(servername ? { servername } : {}) };
}

/** Splits `HOST:PORT`, `[HOST]:PORT`, `[HOST]` or a bare host (a bare IPv6 has no port). */
function splitHostPort(text: string): { hostText: string; portText?: string } {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return { hostText: text };
    const after = text.slice(close + 1);
    const hostText = text.slice(1, close);
    return after.startsWith(':')
      ? { hostText, portText: after.slice(1) }
      : { hostText: after ? text : hostText };
  }
  const colons = text.split(':').length - 1;
  if (colons !== 1) return { hostText: text };
  const i = text.indexOf(':');
  return { hostText: text.slice(0, i), portText: text.slice(i + 1) };
}

/**
 * The `nameserver` lines of a resolv.conf, as upstream addresses (`ADDR:53`, `[V6]:53`).
 * Lines that are not IP literals are skipped, as the C library does.
 */
export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const m = /^nameserver\s+(\S+)$/.exec(line);
    if (!m) continue;
    const addr = parseAddress(m[1].split('%')[0]);
    if (addr) out.push(addr.family === 6 ? `[${m[1]}]:53` : `${m[1]}:53`);
  }
  return out;
}

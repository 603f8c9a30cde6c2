/**
 * The authority of an HTTP request (RFC 3986 §3.2.2, RFC 9110 §7.2): the request target's or the
 * Host field's host and port, narrowed to what the proxy can judge, for http-head.ts.
 */
import { formatIPv6, parseIPv4, parseIPv6 } from '../core/net/address.js';

/** Why an authority is refused (a `HeadFailure` of http-head.ts, answered 400). */
export type AuthorityRefusal = 'bad-host' | 'bad-port';

export interface Authority {
  host: string;
  hostKind: 'name' | 'ipv4' | 'ipv6';
  port: number;
  authority: string;
}

/**
 * RFC 3986 §3.2.2 host [":" port], narrowed to what can be judged: a DNS name, a dotted quad or a
 * bracketed IPv6 address. Names ending in an all-digit or hex label are refused: resolvers read
 * them as addresses (`127.1`, `0x7f.1`), which would dodge address rules.
 */
export function readAuthority(
  text: string,
  portRequired: boolean,
  defaultPort = 80,
): Authority | AuthorityRefusal {
  const bracket = text.startsWith('[') ? text.indexOf(']') : -1;
  const colon = bracket >= 0 ? bracket + 1 : text.lastIndexOf(':');
  const hostText = bracket >= 0 ? text.slice(1, bracket) : colon >= 0 ? text.slice(0, colon) : text;
  const portText = colon >= 0 && colon < text.length ? text.slice(colon) : '';
  if (portText !== '' && portText[0] !== ':') return 'bad-host';
  const host = parseHost(hostText, bracket >= 0);
  if (host === null) return 'bad-host';
  let port = defaultPort;
  if (portText !== '' || portRequired) {
    // RFC 9110 §9.3.6: the port is required in CONNECT; 0 is no port a connection can reach.
    if (!/^:\d{1,5}$/.test(portText)) return 'bad-port';
    port = Number(portText.slice(1));
    if (port < 1 || port > 65535) return 'bad-port';
  }
  const suffix = portRequired || port !== defaultPort ? `:${port}` : '';
  const name = host.hostKind === 'ipv6' ? `[${host.host}]` : host.host;
  return { host: host.host, hostKind: host.hostKind, port, authority: name + suffix };
}

function parseHost(text: string, bracketed: boolean): Pick<Authority, 'host' | 'hostKind'> | null {
  if (bracketed) {
    const words = parseIPv6(text);
    return words ? { host: formatIPv6(words), hostKind: 'ipv6' } : null;
  }
  if (parseIPv4(text) >= 0) return { host: text, hostKind: 'ipv4' };
  const host = dnsName(text);
  return host === null ? null : { host, hostKind: 'name' };
}

/**
 * A DNS name by the SNI reader's rule: letters, digits, hyphen, underscore; labels 1..63; at most
 * 253 bytes; one trailing dot dropped; lowercased. A final label of digits or `0x` hex is refused:
 * inet_aton reads `127.1` and `0x7f.1` as addresses, which would dodge address rules when dialled.
 */
function dnsName(t: string): string | null {
  const e = t.endsWith('.') ? t.length - 1 : t.length;
  if (e < 1 || e > 253) return null;
  let label = 0;
  let digits = true;
  let upper = false;
  for (let i = 0; i < e; i++) {
    const c = t.charCodeAt(i);
    if (c === 0x2e) {
      if (label === 0) return null;
      label = 0;
      digits = true;
    } else if (++label > 63) return null;
    else if (c < 0x30 || c > 0x39) {
      digits = false;
      if (c >= 0x41 && c <= 0x5a) upper = true;
      else if (!((c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f)) return null;
    }
  }
  const name = e === t.length ? t : t.slice(0, e);
  if (label === 0 || digits || /(^|\.)0x[0-9a-f]*$/i.test(name)) return null;
  return upper ? name.toLowerCase() : name;
}

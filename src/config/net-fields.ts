/**
 * Schema fields for network values: listen addresses, upstream resolvers, CIDR prefixes,
 * URLs and the store location. Each accepts its text form or its normalised form, so a loaded
 * configuration (or a `DeepPartial` of one) validates again unchanged.
 */

import { isGatehouseError } from '../core/errors.js';
import {
  formatIPv4,
  formatIPv6,
  formatPrefix,
  maskWords,
  parseAddress,
  parsePrefix,
} from '../core/net/address.js';
import { parseUpstream, type UpstreamSpec } from '../dns/upstreams/spec.js';
import { type Common, type Fail, type Field, got, isPlainObject, leaf } from './field.js';

/** A socket address to listen on or connect to; `port: 0` asks the OS for a free port (tests). */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** Formats a listen address as `127.0.0.1:53` or `[::1]:53`. */
export function formatListen(a: { readonly host: string; readonly port: number }): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

const HOST_PORT = /^(?:\[([^\]]*)\]|([^:[\]]*))(?::([^:]*))?$/;

/** Parses `ADDR:PORT` (IPv6 as `[ADDR]:PORT`); a missing port takes `defaultPort` when there is one. */
function parseHostPort(text: string, fail: Fail, defaultPort?: number): ListenAddress | undefined {
  // A bare IPv6 address is unambiguous only when no port can follow it.
  const bare = defaultPort === undefined ? null : parseAddress(text);
  const m = bare ? null : HOST_PORT.exec(text);
  if (!bare && (!m || (m[3] === undefined && defaultPort === undefined))) {
    return fail(`expected "ADDR:PORT" (IPv6 as "[::1]:53"), got ${got(text)}`);
  }
  const hostText = bare || !m ? text : (m[1] ?? m[2]);
  const addr = parseAddress(hostText);
  if (m?.[1] !== undefined && addr?.family !== 6)
    return fail(`expected an IPv6 address in brackets, got ${got(hostText)}`, 'host');
  if (!addr) return fail(`expected an IP address, got ${got(hostText)}`, 'host');
  const portText = m?.[3] ?? String(defaultPort);
  if (!/^\d{1,5}$/.test(portText)) return fail(`expected integer 0..65535, got ${got(portText)}`, 'port');
  const port = Number(portText);
  if (port > 65535) return fail(`expected 0..65535, got ${port}`, 'port');
  const host = addr.family === 4 ? formatIPv4(addr.words[3]) : formatIPv6(addr.words);
  return { host, port, family: addr.family };
}

/** Turns the object form `{host, port}` into text, so both forms share one parser. */
function asText(v: unknown): unknown {
  if (isPlainObject(v) && typeof v.host === 'string' && typeof v.port === 'number') {
    return formatListen({ host: v.host, port: v.port });
  }
  return v;
}

/** An `ADDR:PORT` to listen on: IP literals only (`0.0.0.0:53`, `[::]:53`, `127.0.0.1:0`). */
export function listen(o: Common<string | ListenAddress> = {}): Field<ListenAddress, string | ListenAddress> {
  return leaf<ListenAddress, string | ListenAddress>({
    ...o,
    type: 'ADDR:PORT',
    parse: (raw, fail) => {
      const v = asText(raw);
      return typeof v === 'string' ? parseHostPort(v, fail) : fail(`expected "ADDR:PORT", got ${got(v)}`);
    },
  });
}

/**
 * An upstream resolver, parsed by the resolver's own parser (one grammar: what loads here is what
 * `dns/upstreams` accepts): `ADDR[:PORT]`, `[V6]:PORT`, `tcp://…`, `tls://ADDR[:PORT][#name]`.
 */
export function upstream(o: Common<string | UpstreamSpec> = {}): Field<UpstreamSpec, string | UpstreamSpec> {
  return leaf<UpstreamSpec, string | UpstreamSpec>({
    ...o,
    type: 'ADDR[:PORT], tcp://ADDR[:PORT] or tls://ADDR[:PORT][#name]',
    parse: (raw, fail) => {
      // The normalised form carries its canonical text as `id`, so a loaded value parses again.
      const v = isPlainObject(raw) && typeof raw.id === 'string' ? raw.id : raw;
      if (typeof v !== 'string')
        return fail(`expected "ADDR[:PORT]" or "tls://ADDR[:PORT][#name]", got ${got(v)}`);
      try {
        return parseUpstream(v);
      } catch (err) {
        return fail(isGatehouseError(err) ? err.message : String(err));
      }
    },
  });
}

/** A CIDR prefix (`10.0.0.0/8`, `2001:db8::/32`), normalised to its canonical text. */
export function cidr(o: Common<string> = {}): Field<string> {
  return leaf<string, string>({
    ...o,
    type: 'CIDR',
    parse: (v, fail) => {
      if (typeof v !== 'string') return fail(`expected CIDR like "10.0.0.0/8", got ${got(v)}`);
      const prefix = parsePrefix(v);
      if (prefix) return formatPrefix(prefix);
      // Say why when the only fault is host bits below the prefix: the fix is then obvious.
      const [addrText, lenText] = v.split('/');
      const addr = parseAddress(addrText);
      const length = Number(lenText);
      if (addr && Number.isInteger(length) && length >= 0 && length <= (addr.family === 4 ? 32 : 128)) {
        const fixed = formatPrefix({ family: addr.family, words: maskWords(addr, length), length });
        return fail(`host bits set in ${got(v)} (did you mean "${fixed}"?)`);
      }
      return fail(`expected CIDR like "10.0.0.0/8", got ${got(v)}`);
    },
  });
}

/** An absolute `http:` or `https:` URL, normalised without a trailing slash (a base to append paths to). */
export function url(o: Common<string> = {}): Field<string> {
  return leaf<string, string>({
    ...o,
    type: 'http(s) URL',
    parse: (v, fail) => {
      const parsed = typeof v === 'string' && URL.canParse(v) ? new URL(v) : null;
      if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
        return fail(`expected http(s) URL, got ${got(v)}`);
      }
      return parsed.href.replace(/\/+$/, '');
    },
  });
}

/** Where the store lives: an embedded SQLite file or a PostgreSQL server. */
export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string };

/** Hides the password of a database URL, for messages and logs. */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

function parseStore(raw: unknown, fail: Fail): StoreLocation | undefined {
  if (isPlainObject(raw) && raw.kind === 'sqlite' && typeof raw.path === 'string') raw = `sqlite:${raw.path}`;
  if (isPlainObject(raw) && raw.kind === 'postgres' && typeof raw.url === 'string') raw = raw.url;
  const expected = 'expected "sqlite:PATH" or "postgres://USER@HOST/DB"';
  if (typeof raw !== 'string') return fail(`${expected}, got ${got(raw)}`);
  if (raw.startsWith('sqlite:') && raw.length > 'sqlite:'.length)
    return { kind: 'sqlite', path: raw.slice(7) };
  if (/^postgres(ql)?:\/\//.test(raw) && URL.canParse(raw) && new URL(raw).hostname !== '') {
    return { kind: 'postgres', url: raw };
  }
  return fail(`${expected}, got ${got(redactUrl(raw))}`);
}

/** The store location: `sqlite:PATH` or a `postgres://` URL. */
export function storeUrl(
  o: Common<string | StoreLocation> = {},
): Field<StoreLocation, string | StoreLocation> {
  return leaf<StoreLocation, string | StoreLocation>({
    ...o,
    type: 'sqlite:PATH or postgres:// URL',
    parse: parseStore,
  });
}

/** Finds every listen address in a normalised configuration, by path. */
function collectListeners(value: unknown, path: string, out: Array<[string, ListenAddress]>): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      collectListeners(v, `${path}[${i}]`, out);
    });
  } else if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 3 && 'host' in value && 'port' in value && 'family' in value) {
      out.push([path, value as unknown as ListenAddress]);
      return;
    }
    for (const k of keys) collectListeners(value[k], path === '' ? k : `${path}.${k}`, out);
  }
}

function overlaps(a: ListenAddress, b: ListenAddress): boolean {
  if (a.port !== b.port || a.port === 0) return false;
  // `[::]` is dual-stack on Linux by default, so it takes the port from IPv4 listeners too.
  const wild = (x: ListenAddress) => x.host === '0.0.0.0' || x.host === '::';
  return (
    a.host === b.host ||
    (wild(a) && (a.host === '::' || b.family === 4)) ||
    (wild(b) && (b.host === '::' || a.family === 4))
  );
}

/** Cross-key check: two listeners (any section) must not claim the same port on overlapping addresses. */
export function listenerClashes(config: object): Array<{ path: string; message: string }> {
  const all: Array<[string, ListenAddress]> = [];
  collectListeners(config, '', all);
  const issues: Array<{ path: string; message: string }> = [];
  all.forEach(([path, a], i) => {
    const earlier = all.slice(0, i).find(([, b]) => overlaps(a, b));
    if (earlier)
      issues.push({
        path,
        message: `${formatListen(a)} is already taken by ${earlier[0]} (${formatListen(earlier[1])})`,
      });
  });
  return issues;
}

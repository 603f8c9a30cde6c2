/**
 * HTTP/1.1 request head reader for the forward proxy (RFC 9112 §2–§7, RFC 9110). The gateway
 * judges by the host it parsed here and forwards a head it writes itself (origin-head.ts), so the
 * origin never sees a framing or host it did not judge.
 *
 * Leniency, decided: one bare LF ends a line (RFC 9112 §2.2 MAY; option `bareLf`, on by
 * default, because the forwarded head is rewritten with CRLF, leaving nothing to smuggle); a bare
 * CR is refused. Empty lines before the request line are skipped (RFC 9112 §2.2 SHOULD).
 * The authority rules (host, port, names) are in http-authority.ts. Still over 300 lines: the
 * request line, fields, framing and the per-reader memory of the last request line and Host share
 * private types and tables (`Failure`, `TCHAR`, `Recent`).
 */
import { Buffer } from 'node:buffer';
import { type Authority, readAuthority } from './http-authority.js';

/** The status the listener answers a refused head with. */
export type HeadStatus = 400 | 414 | 431 | 501 | 505;

/** Every reason a head is refused with (bounded labels, safe as metric labels) and the status it answers. */
export const HEAD_FAILURES = {
  'bad-request-line': 400,
  'bad-method': 400,
  'bad-target': 400,
  'bad-version': 400,
  'unsupported-version': 505,
  'target-too-long': 414,
  'head-too-large': 431,
  'too-many-headers': 431,
  'bad-header-name': 400,
  'bad-header-value': 400,
  'obs-fold': 400,
  'bare-lf': 400,
  'missing-host': 400,
  'duplicate-host': 400,
  'bad-host': 400,
  'bad-port': 400,
  userinfo: 400,
  'unsupported-scheme': 501,
  'content-length-and-transfer-encoding': 400,
  'bad-content-length': 400,
  'bad-transfer-encoding': 400,
  'unsupported-transfer-encoding': 501,
  'connect-body': 400,
  'bad-connection-option': 400,
} as const satisfies Record<string, HeadStatus>;

/** Why bytes were refused. */
export type HeadFailure = keyof typeof HEAD_FAILURES;

/** RFC 9112 §3.2: the four forms of request-target. */
export type TargetForm = 'origin' | 'absolute' | 'authority' | 'asterisk';

/** A parsed request head. Header names are lowercase; values are latin1 text, OWS trimmed. */
export interface RequestHead {
  readonly method: string;
  readonly form: TargetForm;
  /** The absolute-form scheme; null for the other forms. */
  readonly scheme: 'http' | 'https' | null;
  /** The host judged and dialled: lowercase name without trailing dot, dotted quad, or RFC 5952 IPv6. */
  readonly host: string;
  readonly hostKind: 'name' | 'ipv4' | 'ipv6';
  readonly port: number;
  /** `host[:port]` as forwarded in Host (IPv6 in brackets; default port omitted except for CONNECT). */
  readonly authority: string;
  /** Path and query in origin-form; `*` for asterisk-form; '' for CONNECT. */
  readonly path: string;
  /** HTTP/1.x with a minor version above 1 is read as 1.1 (RFC 9110 §2.5). */
  readonly version: '1.0' | '1.1';
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** RFC 9112 §6.3: how the body is framed. */
  readonly body: 'none' | 'length' | 'chunked';
  /** The body length when `body` is 'length', else -1. */
  readonly contentLength: number;
  /** RFC 9112 §9.3: whether the client expects the connection to persist. */
  readonly keepAlive: boolean;
  /** Connection options, lowercase (RFC 9110 §7.6.1). */
  readonly connection: readonly string[];
  /** The Upgrade field when `upgrade` is a connection option (RFC 9110 §7.8), else null. */
  readonly upgrade: string | null;
}

/** The reader's answer after each chunk. */
export type HttpHeadResult =
  | { readonly state: 'need-more' }
  | {
      readonly state: 'done';
      readonly head: RequestHead;
      /** Bytes of the stream up to the end of the head (leading empty lines included). */
      readonly bytesConsumed: number;
      /** The bytes after the head in the chunk that completed it: the body or next request starts here. */
      readonly rest: Uint8Array;
    }
  | { readonly state: 'error'; readonly status: HeadStatus; readonly reason: HeadFailure };

/** Limits and leniency of the reader. */
export interface HttpHeadOptions {
  /** Largest head, leading empty lines and final empty line included (default 16 KiB) → 431, or 414 in the request line. */
  readonly maxHeadBytes?: number;
  /** Most header field lines (default 100) → 431. */
  readonly maxHeaders?: number;
  /** Accept a bare LF as a line end (RFC 9112 §2.2 MAY); default true. */
  readonly bareLf?: boolean;
}

type Limits = Required<HttpHeadOptions>;
type Failure = { readonly state: 'error'; readonly status: HeadStatus; readonly reason: HeadFailure };

const LF = 10;
const CR = 13;
const NEED_MORE: HttpHeadResult = Object.freeze({ state: 'need-more' });
// RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TCHAR[c.charCodeAt(0)] = 1;
function fail(reason: HeadFailure): Failure {
  return { state: 'error', status: HEAD_FAILURES[reason], reason };
}

function limitsOf(o: HttpHeadOptions): Limits {
  return { maxHeadBytes: o.maxHeadBytes ?? 16384, maxHeaders: o.maxHeaders ?? 100, bareLf: o.bareLf ?? true };
}

/**
 * The last request line and Host value a reader parsed, and what they parsed to. A kept-alive
 * client repeats them (one site, often one target), and both parses are pure functions of the
 * text, so an equal text is answered from here: the regular expressions and the name checks run
 * once per connection instead of once per request. The results are never changed once made.
 */
class Recent {
  line = '';
  request: RequestLine | Failure | null = null;
  host = '';
  authority: Authority | Failure | null = null;
}

/** Incremental reader: push chunks until the state is no longer `need-more`. */
export class RequestHeadReader {
  readonly #limits: Limits;
  readonly #recent = new Recent();
  #result: HttpHeadResult = NEED_MORE;
  readonly #chunks: Buffer[] = [];
  #total = 0;
  #skip = 0; // bytes of empty lines before the request line
  #started = false;
  #lineLen = 0;
  #lastCr = false;
  #firstLine = true;

  constructor(options: HttpHeadOptions = {}) {
    this.#limits = limitsOf(options);
  }

  /** Ready for the next head on the same connection, as a new reader with the same options. */
  reset(): void {
    this.#result = NEED_MORE;
    this.#chunks.length = 0;
    this.#total = 0;
    this.#skip = 0;
    this.#started = false;
    this.#lineLen = 0;
    this.#lastCr = false;
    this.#firstLine = true;
  }

  /** Feeds the next chunk; once a final state is reached it is returned for every later push. */
  push(chunk: Uint8Array): HttpHeadResult {
    if (this.#result.state !== 'need-more') return this.#result;
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const end = this.#scan(b);
    if (end === -1) {
      if (this.#result.state === 'need-more') this.#chunks.push(b);
      else this.#chunks.length = 0;
      this.#total += b.length;
      return this.#result;
    }
    const whole = this.#chunks.length === 0 ? b : Buffer.concat([...this.#chunks, b.subarray(0, end)]);
    this.#chunks.length = 0;
    this.#result = finish(whole, this.#skip, this.#total + end, this.#limits, b.subarray(end), this.#recent);
    return this.#result;
  }

  // Finds the empty line ending the head in `b`, carrying line state across chunks; -1 if not yet.
  // Lines are jumped with indexOf: only a line's length and last byte matter here.
  #scan(b: Buffer): number {
    const max = this.#limits.maxHeadBytes;
    const base = this.#total;
    let i = 0;
    while (i < b.length && !this.#started) {
      if (base + i >= max) return this.#tooLarge();
      const c = b[i++];
      if (c === LF) this.#skip = base + i;
      else if (c !== CR) {
        this.#started = true;
        this.#lineLen = 1;
      }
    }
    while (i < b.length) {
      const lf = b.indexOf(LF, i);
      const stop = lf < 0 ? b.length : lf;
      if (base + stop >= max) return this.#tooLarge();
      const len = this.#lineLen + stop - i;
      const lastCr = stop > i ? b[stop - 1] === CR : this.#lastCr;
      if (lf < 0) {
        this.#lineLen = len;
        this.#lastCr = lastCr;
        return -1;
      }
      if (len === 0 || (len === 1 && lastCr)) return lf + 1;
      this.#firstLine = false;
      this.#lineLen = 0;
      this.#lastCr = false;
      i = lf + 1;
    }
    return -1;
  }

  #tooLarge(): -1 {
    this.#result = fail(this.#firstLine ? 'target-too-long' : 'head-too-large');
    return -1;
  }
}

/** Reads one request head from bytes already in hand (a convenience over `RequestHeadReader`). */
export function parseRequestHead(bytes: Uint8Array, options: HttpHeadOptions = {}): HttpHeadResult {
  return new RequestHeadReader(options).push(bytes);
}

function finish(
  b: Buffer,
  start: number,
  end: number,
  limits: Limits,
  rest: Uint8Array,
  recent: Recent,
): HttpHeadResult {
  const head = parseHead(b, start, end, limits, recent);
  return 'state' in head ? head : { state: 'done', head, bytesConsumed: end, rest };
}

/**
 * The line starting at `from`: [content end, next line] (RFC 9112 §2.2). A CR left inside the
 * content (a bare CR) is refused by the request-line and field checks, which allow no controls.
 */
function lineAt(b: Buffer, from: number, end: number, bareLf: boolean): [number, number] | Failure {
  const lf = b.indexOf(LF, from);
  if (lf < 0 || lf >= end) return fail('bad-request-line');
  const stop = lf > from && b[lf - 1] === CR ? lf - 1 : lf;
  if (stop === lf && !bareLf) return fail('bare-lf');
  return [stop, lf + 1];
}

function parseHead(
  b: Buffer,
  start: number,
  end: number,
  limits: Limits,
  recent: Recent,
): RequestHead | Failure {
  const line = lineAt(b, start, end, limits.bareLf);
  if (!Array.isArray(line)) return line;
  const text = b.toString('latin1', start, line[0]);
  if (recent.request === null || text !== recent.line) {
    recent.line = text;
    recent.request = requestLine(text);
  }
  const request = recent.request;
  if ('state' in request) return request;
  const headers: [string, string][] = [];
  let p = line[1];
  for (;;) {
    const l = lineAt(b, p, end, limits.bareLf);
    if (!Array.isArray(l)) return l;
    if (l[0] === p) break;
    // RFC 9112 §5.2 obs-fold, and §2.2 whitespace before the first field: both refused with 400.
    if (b[p] === 0x20 || b[p] === 0x09) return fail('obs-fold');
    if (headers.length === limits.maxHeaders) return fail('too-many-headers');
    const field = fieldLine(b, p, l[0]);
    if ('state' in field) return field;
    headers.push(field);
    p = l[1];
  }
  return semantics(request, headers, recent);
}

/** RFC 9112 §5.1: field-name ":" OWS field-value OWS, with no whitespace before the colon. */
function fieldLine(b: Buffer, p: number, e: number): [string, string] | Failure {
  let i = p;
  while (i < e && TCHAR[b[i]] === 1) i++;
  if (i === p || i === e || b[i] !== 0x3a) return fail('bad-header-name');
  const name = b.toString('latin1', p, i).toLowerCase();
  let s = i + 1;
  while (s < e && (b[s] === 0x20 || b[s] === 0x09)) s++;
  let t = e;
  while (t > s && (b[t - 1] === 0x20 || b[t - 1] === 0x09)) t--;
  // RFC 9110 §5.5: field-vchar = VCHAR / obs-text, with SP and HTAB inside; CR, LF, NUL and other controls refused.
  for (let k = s; k < t; k++) {
    const c = b[k];
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return fail('bad-header-value');
  }
  return [name, b.toString('latin1', s, t)];
}

interface RequestLine {
  method: string;
  form: TargetForm;
  scheme: 'http' | 'https' | null;
  target: Authority | null;
  path: string;
  version: '1.0' | '1.1';
}

/** RFC 9112 §3: method SP request-target SP HTTP-version, single spaces, nothing else. */
function requestLine(text: string): RequestLine | Failure {
  const sp1 = text.indexOf(' ');
  const sp2 = text.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || text.indexOf(' ', sp2 + 1) >= 0) return fail('bad-request-line');
  const method = text.slice(0, sp1);
  for (let i = 0; i < method.length; i++) if (TCHAR[method.charCodeAt(i)] !== 1) return fail('bad-method');
  // RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT; only major version 1 is spoken here.
  const v = /^HTTP\/(\d)\.(\d)$/.exec(text.slice(sp2 + 1));
  if (!v) return fail('bad-version');
  if (v[1] !== '1') return fail('unsupported-version');
  const version = v[2] === '0' ? '1.0' : '1.1';
  const target = requestTarget(method, text.slice(sp1 + 1, sp2));
  if ('state' in target) return target;
  return {
    method,
    version,
    form: target.form,
    scheme: target.scheme,
    target: target.target,
    path: target.path,
  };
}

type Target = Pick<RequestLine, 'form' | 'scheme' | 'target' | 'path'>;

/** RFC 9112 §3.2: which form the target takes, and whether the method allows it. */
function requestTarget(method: string, t: string): Target | Failure {
  // Visible ASCII only, and no fragment (RFC 9112 §3.2 has none; RFC 9110 §4.2.1).
  if (t.length === 0 || !/^[\x21-\x7e]+$/.test(t) || t.includes('#')) return fail('bad-target');
  if (method === 'CONNECT') {
    // RFC 9110 §9.3.6 / RFC 9112 §3.2.3: authority-form, host ":" port, the port required.
    const target = parseAuthority(t, true);
    return 'state' in target ? target : { form: 'authority', scheme: null, target, path: '' };
  }
  if (t[0] === '/') return { form: 'origin', scheme: null, target: null, path: t };
  // RFC 9112 §3.2.4: asterisk-form only for OPTIONS.
  if (t === '*')
    return method === 'OPTIONS'
      ? { form: 'asterisk', scheme: null, target: null, path: '*' }
      : fail('bad-target');
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?]*)(.*)$/.exec(t);
  if (!m || (m[3] !== '' && m[3][0] !== '/' && m[3][0] !== '?')) return fail('bad-target');
  const scheme = m[1].toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return fail('unsupported-scheme');
  // RFC 9110 §4.2.4: userinfo in an http(s) URI is treated as an error (it hides the real host).
  if (m[2].includes('@')) return fail('userinfo');
  const target = parseAuthority(m[2], false, scheme === 'http' ? 80 : 443);
  if ('state' in target) return target;
  // RFC 9112 §3.2.1 (empty path → "/"), §3.2.4 (OPTIONS with neither path nor query → "*").
  const path = m[3] === '' ? (method === 'OPTIONS' ? '*' : '/') : m[3][0] === '?' ? `/${m[3]}` : m[3];
  return { form: 'absolute', scheme, target, path };
}

/** `readAuthority` with its refusal as this reader's Failure. */
function parseAuthority(text: string, portRequired: boolean, defaultPort = 80): Authority | Failure {
  const a = readAuthority(text, portRequired, defaultPort);
  return typeof a === 'string' ? fail(a) : a;
}

/** Adds the members of a list-valued field (RFC 9110 §5.6.1) to `out`, lowercase, dropping empty ones. */
function addList(out: string[], value: string): string[] {
  for (const item of value.split(',')) {
    const t = item.trim().toLowerCase();
    if (t !== '') out.push(t);
  }
  return out;
}

/** The fields that decide routing, framing and persistence, gathered in one pass. */
interface Fields {
  hosts: number;
  host: string;
  te: string[] | null;
  cl: string[] | null;
  connection: string[];
  upgrade: string | null;
}

function gather(headers: ReadonlyArray<readonly [string, string]>): Fields {
  const f: Fields = { hosts: 0, host: '', te: null, cl: null, connection: [], upgrade: null };
  for (const [name, value] of headers) {
    if (name === 'host') {
      f.hosts++;
      f.host = value;
    } else if (name === 'transfer-encoding') f.te = addList(f.te ?? [], value);
    else if (name === 'content-length') f.cl = addList(f.cl ?? [], value);
    else if (name === 'connection') addList(f.connection, value);
    else if (name === 'upgrade') f.upgrade ??= value;
  }
  return f;
}

function semantics(r: RequestLine, headers: [string, string][], recent: Recent): RequestHead | Failure {
  const f = gather(headers);
  // RFC 9112 §3.2: more than one Host line, an invalid one, or none in HTTP/1.1 → 400.
  if (f.hosts > 1) return fail('duplicate-host');
  if (f.hosts === 0 && r.version === '1.1') return fail('missing-host');
  if (f.host !== '' && (recent.authority === null || f.host !== recent.host)) {
    recent.host = f.host;
    recent.authority = parseAuthority(f.host, false);
  }
  const fromHost = f.host !== '' ? (recent.authority as Authority | Failure) : null;
  if (fromHost !== null && 'state' in fromHost) return fromHost;
  // RFC 9112 §3.2.2: with an absolute-form (or authority-form) target the proxy ignores Host and
  // replaces it with the target's authority, so the host judged is the host forwarded.
  const where = r.target ?? fromHost;
  if (where === null) return fail('missing-host');
  const framing = bodyFraming(r, f);
  if (typeof framing !== 'number') return framing;
  const connection = f.connection;
  // RFC 9110 §7.6.1: options name hop-by-hop fields; naming the framing or Host would strip them.
  if (connection.some((o) => o === 'host' || o === 'content-length' || o === 'transfer-encoding')) {
    return fail('bad-connection-option');
  }
  const close = connection.includes('close');
  return {
    method: r.method,
    form: r.form,
    scheme: r.scheme,
    host: where.host,
    hostKind: where.hostKind,
    port: where.port,
    authority: where.authority,
    path: r.path,
    version: r.version,
    headers,
    body: framing === -2 ? 'chunked' : framing === -1 ? 'none' : 'length',
    contentLength: framing < 0 ? -1 : framing,
    keepAlive: r.version === '1.1' ? !close : !close && connection.includes('keep-alive'),
    connection,
    upgrade: r.version === '1.1' && connection.includes('upgrade') ? f.upgrade : null,
  };
}

const CODINGS = new Set(['chunked', 'gzip', 'x-gzip', 'deflate', 'compress', 'x-compress']);

/** RFC 9112 §6.1–§6.3: body framing; the content length, -1 for no body, -2 for chunked. */
function bodyFraming(r: RequestLine, f: Fields): number | Failure {
  // §6.3 (3): both present is a smuggling signal; this gateway refuses rather than guesses.
  if (f.te !== null && f.cl !== null) return fail('content-length-and-transfer-encoding');
  if (f.te !== null) {
    const te = f.te.map((c) => c.split(';')[0].trim());
    // §6.1: HTTP/1.0 framing with Transfer-Encoding is faulty; §6.3 (4): chunked must be last, once.
    if (r.version === '1.0' || te.length === 0 || te.indexOf('chunked') !== te.length - 1) {
      return fail('bad-transfer-encoding');
    }
    if (!te.every((c) => CODINGS.has(c))) return fail('unsupported-transfer-encoding');
    return r.method === 'CONNECT' ? fail('connect-body') : -2;
  }
  if (f.cl === null) return -1;
  // §6.3 (5): every value (lines and list members) must be the same 1*DIGIT.
  const lengths = f.cl;
  if (lengths.length === 0 || lengths.some((v) => v !== lengths[0]) || !/^\d{1,15}$/.test(lengths[0])) {
    return fail('bad-content-length');
  }
  const contentLength = Number(lengths[0]);
  return r.method === 'CONNECT' && contentLength > 0 ? fail('connect-body') : contentLength;
}

export { formatOriginHead, type OriginHeadOptions } from './origin-head.js';

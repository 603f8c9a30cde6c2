/**
 * TLS ClientHello reader: the server name (SNI), ALPN list, offered version and the presence of
 * Encrypted Client Hello, read from the first bytes of a connection without decrypting anything
 * (DESIGN §1.3: HTTPS is judged by SNI and destination only).
 *
 * Chunks: the reader never keeps the caller's chunks. The caller keeps every chunk it pushed and
 * replays them to the origin untouched. A hello that arrives whole in the first chunk, in one
 * record (the common case), is parsed in place with no copy; otherwise only the handshake bytes
 * are copied, once, into one buffer of the announced handshake length.
 *
 * Over 300 lines: the record layer, the hello and the four extensions read here are one wire
 * format read in one pass over shared offsets; the failure labels alone take 20 lines.
 */
import { Buffer } from 'node:buffer';
import { parseIPv4, parseIPv6 } from '../core/net/address.js';

/** Every reason a hello is refused with: bounded labels, safe as metric labels. */
export const HELLO_FAILURES = [
  'not-handshake',
  'bad-record-version',
  'empty-record',
  'record-too-long',
  'interleaved-record',
  'not-client-hello',
  'too-large',
  'truncated',
  'bad-version',
  'bad-session-id',
  'bad-cipher-suites',
  'bad-compression',
  'bad-extensions',
  'duplicate-extension',
  'bad-sni',
  'bad-alpn',
  'bad-supported-versions',
  'bad-ech',
] as const;

/** Why bytes were refused. */
export type HelloFailure = (typeof HELLO_FAILURES)[number];

/** What a parsed ClientHello tells the gateway. */
export interface ClientHelloInfo {
  readonly state: 'done';
  /** host_name, lowercase ASCII without a trailing dot; null when absent or an IP literal. */
  readonly sni: string | null;
  /** True when host_name was an IP literal (RFC 6066 §3 forbids them): `sni` is null, judge by destination. */
  readonly sniIpLiteral: boolean;
  /** ALPN protocol names in the client's order (RFC 7301 §3.1), empty when absent. */
  readonly alpn: string[];
  /** An outer ECH extension is present (may be GREASE): `sni` is the outer, public name. */
  readonly ech: boolean;
  /** Highest non-GREASE version offered in supported_versions, else legacy_version (0x0304 = TLS 1.3). */
  readonly tlsVersion: number;
  /** legacy_record_version of the first record: answer alerts with it. */
  readonly recordVersion: number;
  /** Raw bytes up to and including the last byte of the ClientHello. */
  readonly bytesConsumed: number;
}

/** The reader's answer after each chunk. */
export type ClientHelloResult =
  | { readonly state: 'need-more' }
  | ClientHelloInfo
  | { readonly state: 'not-tls' | 'malformed'; readonly reason: HelloFailure };

/** Limits of the reader. */
export interface ClientHelloOptions {
  /** Largest handshake message accepted, header included (default 16 KiB); raw bytes may add 1 KiB of records. */
  readonly maxHelloBytes?: number;
}

const NEED_MORE: ClientHelloResult = Object.freeze({ state: 'need-more' });
const RECORD_MAX = 16384; // RFC 8446 §5.1: TLSPlaintext.length MUST NOT exceed 2^14
const HANDSHAKE = 22;
const CLIENT_HELLO = 1;
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const EXT_SUPPORTED_VERSIONS = 43;
const EXT_ECH = 0xfe0d;
const FAILED: Record<string, ClientHelloResult> = {};

function fail(state: 'not-tls' | 'malformed', reason: HelloFailure): ClientHelloResult {
  const key = state + reason;
  // Frozen, shared failure values: no allocation when refusing garbage.
  FAILED[key] ??= Object.freeze({ state, reason });
  return FAILED[key];
}

function asBuffer(c: Uint8Array): Buffer {
  return Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
}

/**
 * RFC 8446 §5.1 record header checks, shared by the fast path and the incremental reader so
 * both refuse the same bytes with the same reason. `first` is true for the hello's first record.
 */
function checkRecord(type: number, major: number, length: number, first: boolean): ClientHelloResult | null {
  if (type !== HANDSHAKE)
    return first ? fail('not-tls', 'not-handshake') : fail('malformed', 'interleaved-record');
  if (major !== 3) return fail(first ? 'not-tls' : 'malformed', 'bad-record-version');
  // RFC 8446 §5.1: zero-length handshake fragments MUST NOT be sent.
  if (length === 0) return fail('malformed', 'empty-record');
  if (length > RECORD_MAX) return fail('malformed', 'record-too-long');
  return null;
}

/** Incremental reader: push TCP chunks as they arrive until the state is no longer `need-more`. */
export class ClientHelloReader {
  readonly #maxHello: number;
  readonly #maxRaw: number;
  #result: ClientHelloResult = NEED_MORE;
  #consumed = 0;
  readonly #header = new Uint8Array(5);
  #headerFill = 0;
  #recordLeft = 0;
  #recordVersion = 0;
  readonly #hsHeader = new Uint8Array(4);
  #hs: Buffer | null = null;
  #hsFill = 0;

  constructor(options: ClientHelloOptions = {}) {
    this.#maxHello = options.maxHelloBytes ?? RECORD_MAX;
    this.#maxRaw = this.#maxHello + 1024;
  }

  /** Feeds the next chunk; once a final state is reached it is returned for every later push. */
  push(chunk: Uint8Array): ClientHelloResult {
    if (this.#result.state !== 'need-more') return this.#result;
    const r =
      (this.#consumed === 0 ? parseWhole(chunk, this.#maxHello, this.#maxRaw) : null) ?? this.#feed(chunk);
    if (r) this.#result = r;
    return this.#result;
  }

  #feed(c: Uint8Array): ClientHelloResult | null {
    let i = 0;
    while (i < c.length) {
      if (this.#recordLeft === 0) {
        const r = this.#headerByte(c[i++]);
        if (r) return r;
        continue;
      }
      const take = Math.min(this.#recordLeft, c.length - i);
      const used = this.#payload(c, i, take);
      this.#consumed += used;
      if (this.#result.state !== 'need-more') return this.#result;
      const hs = this.#hs;
      if (hs !== null && this.#hsFill === hs.length) {
        return parseHello(hs, 4, hs.length, this.#recordVersion, this.#consumed);
      }
      this.#recordLeft -= used;
      i += used;
    }
    return null;
  }

  // One byte of a record header; the record is checked once its 5 bytes are in.
  #headerByte(byte: number): ClientHelloResult | null {
    const first = this.#consumed < 5;
    this.#header[this.#headerFill++] = byte;
    this.#consumed++;
    // Decide not-tls on the first byte: an HTTP request or SSLv2 hello is refused at once.
    if (first && this.#headerFill === 1 && byte !== HANDSHAKE) return fail('not-tls', 'not-handshake');
    if (this.#headerFill < 5) return null;
    const h = this.#header;
    const length = (h[3] << 8) | h[4];
    const bad = checkRecord(h[0], h[1], length, first);
    if (bad) return bad;
    if (first) this.#recordVersion = (h[1] << 8) | h[2];
    if (this.#consumed + length > this.#maxRaw) return fail('malformed', 'too-large');
    this.#headerFill = 0;
    this.#recordLeft = length;
    return null;
  }

  // Copies up to `take` handshake bytes; returns how many were used (fewer once the hello is whole).
  #payload(c: Uint8Array, i: number, take: number): number {
    let used = 0;
    while (this.#hs === null && used < take) {
      this.#hsHeader[this.#hsFill++] = c[i + used++];
      // RFC 8446 §4: the first message a client sends is ClientHello (msg_type 1).
      if (this.#hsFill === 1 && c[i + used - 1] !== CLIENT_HELLO) {
        this.#result = fail('malformed', 'not-client-hello');
        return used;
      }
      if (this.#hsFill < 4) continue;
      const h = this.#hsHeader;
      const length = (h[1] << 16) | (h[2] << 8) | h[3];
      if (4 + length > this.#maxHello) this.#result = fail('malformed', 'too-large');
      else {
        this.#hs = Buffer.allocUnsafe(4 + length);
        this.#hs.set(h, 0);
      }
      if (this.#result.state !== 'need-more') return used;
    }
    if (this.#hs === null) return used;
    const n = Math.min(take - used, this.#hs.length - this.#hsFill);
    this.#hs.set(c.subarray(i + used, i + used + n), this.#hsFill);
    this.#hsFill += n;
    return used + n;
  }
}

/**
 * Parses a hello that arrived whole in one record in one chunk, in place; null when the
 * incremental reader must take over (short chunk, hello spanning records).
 */
function parseWhole(c: Uint8Array, maxHello: number, maxRaw: number): ClientHelloResult | null {
  if (c.length === 0) return null;
  if (c[0] !== HANDSHAKE) return fail('not-tls', 'not-handshake');
  if (c.length < 9) return null;
  const recordLength = (c[3] << 8) | c[4];
  const bad = checkRecord(c[0], c[1], recordLength, true);
  if (bad) return bad;
  if (5 + recordLength > maxRaw) return fail('malformed', 'too-large');
  if (c[5] !== CLIENT_HELLO) return fail('malformed', 'not-client-hello');
  if (recordLength < 4) return null; // the handshake header itself spans records
  const length = (c[6] << 16) | (c[7] << 8) | c[8];
  if (4 + length > maxHello) return fail('malformed', 'too-large');
  if (4 + length > recordLength || 9 + length > c.length) return null;
  return parseHello(asBuffer(c), 9, 9 + length, (c[1] << 8) | c[2], 9 + length);
}

/** Parses one ClientHello from bytes already in hand (a convenience over `ClientHelloReader`). */
export function parseClientHello(bytes: Uint8Array, options: ClientHelloOptions = {}): ClientHelloResult {
  const max = options.maxHelloBytes ?? RECORD_MAX;
  return parseWhole(bytes, max, max + 1024) ?? new ClientHelloReader(options).push(bytes);
}

interface Extensions {
  sni: string | null;
  ip: boolean;
  alpn: string[];
  ech: boolean;
  version: number;
}

/** RFC 8446 §4.1.2: the ClientHello body in b[p, end). */
function parseHello(
  b: Buffer,
  p: number,
  end: number,
  recordVersion: number,
  consumed: number,
): ClientHelloResult {
  if (end - p < 35) return fail('malformed', 'truncated');
  if (b[p] !== 3) return fail('malformed', 'bad-version');
  const ext: Extensions = { sni: null, ip: false, alpn: [], ech: false, version: (b[p] << 8) | b[p + 1] };
  p += 34; // legacy_version, random[32]
  const sessionId = b[p];
  if (sessionId > 32) return fail('malformed', 'bad-session-id');
  p += 1 + sessionId;
  if (p + 2 > end) return fail('malformed', 'truncated');
  const suites = (b[p] << 8) | b[p + 1];
  if (suites < 2 || (suites & 1) === 1) return fail('malformed', 'bad-cipher-suites');
  p += 2 + suites;
  if (p + 1 > end) return fail('malformed', 'truncated');
  if (b[p] < 1) return fail('malformed', 'bad-compression');
  p += 1 + b[p];
  if (p > end) return fail('malformed', 'truncated');
  // A hello may end here (no extensions: SSLv3/TLS 1.0 clients); otherwise the block fills the rest exactly.
  if (p < end) {
    if (p + 2 > end || p + 2 + ((b[p] << 8) | b[p + 1]) !== end) return fail('malformed', 'bad-extensions');
    const bad = parseExtensions(b, p + 2, end, ext);
    if (bad) return fail('malformed', bad);
  }
  return {
    state: 'done',
    sni: ext.sni,
    sniIpLiteral: ext.ip,
    alpn: ext.alpn,
    ech: ext.ech,
    tlsVersion: ext.version,
    recordVersion,
    bytesConsumed: consumed,
  };
}

function parseExtensions(b: Buffer, p: number, end: number, ext: Extensions): HelloFailure | null {
  let seen = 0;
  while (p < end) {
    if (p + 4 > end) return 'bad-extensions';
    const type = (b[p] << 8) | b[p + 1];
    const len = (b[p + 2] << 8) | b[p + 3];
    const s = p + 4;
    p = s + len;
    if (p > end) return 'bad-extensions';
    const flag =
      type === EXT_SERVER_NAME
        ? 1
        : type === EXT_ALPN
          ? 2
          : type === EXT_SUPPORTED_VERSIONS
            ? 4
            : type === EXT_ECH
              ? 8
              : 0;
    if (flag === 0) continue;
    // RFC 8446 §4.2: no two extensions of one type. Checked for those read here, so no
    // duplicate can make this reader and the origin see different names.
    if ((seen & flag) !== 0) return 'duplicate-extension';
    seen |= flag;
    const bad =
      type === EXT_SERVER_NAME
        ? serverName(b, s, p, ext)
        : type === EXT_ALPN
          ? alpn(b, s, p, ext)
          : type === EXT_SUPPORTED_VERSIONS
            ? supportedVersions(b, s, p, ext)
            : echOuter(b, s, p, ext);
    if (bad) return bad;
  }
  return null;
}

/** RFC 6066 §3: ServerNameList; exactly one host_name (type 0) is read, other types skipped. */
function serverName(b: Buffer, p: number, end: number, ext: Extensions): HelloFailure | null {
  if (end - p < 2 || p + 2 + ((b[p] << 8) | b[p + 1]) !== end || end - p === 2) return 'bad-sni';
  p += 2;
  let found = false;
  while (p < end) {
    if (p + 3 > end) return 'bad-sni';
    const type = b[p];
    const len = (b[p + 1] << 8) | b[p + 2];
    const s = p + 3;
    p = s + len;
    if (p > end) return 'bad-sni';
    if (type !== 0) continue;
    // RFC 6066 §3: the list MUST NOT contain more than one name of the same name_type.
    if (found) return 'bad-sni';
    found = true;
    const name = hostName(b, s, p);
    if (name === null) return 'bad-sni';
    if (name === IP_LITERAL) ext.ip = true;
    else ext.sni = name;
  }
  return null;
}

const IP_LITERAL = '\0ip';

/**
 * RFC 6066 §3 HostName: ASCII, no trailing dot, no IP literals. Letters, digits, hyphen and
 * underscore; labels 1..63 bytes; at most 253 bytes. One trailing dot is tolerated and dropped
 * (the same name either way). A final label of digits or `0x` hex is refused: an address in
 * disguise (inet_aton reads `127.1` and `0x7f.1` as addresses). The HTTP reader uses the same rule.
 */
function hostName(b: Buffer, s: number, e: number): string | null {
  if (e > s && b[e - 1] === 0x2e) e--;
  if (e - s < 1 || e - s > 253) return null;
  let upper = false;
  let label = 0;
  let digits = true;
  let colon = false;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c === 0x2e) {
      if (label === 0) return null;
      label = 0;
      digits = true;
      continue;
    }
    if (++label > 63) return null;
    if (c >= 0x30 && c <= 0x39) continue;
    digits = false;
    if ((c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f) continue;
    if (c >= 0x41 && c <= 0x5a) upper = true;
    else if (c === 0x3a) colon = true;
    else return null;
  }
  if (label === 0) return null;
  const text = b.toString('latin1', s, e);
  if (colon) return parseIPv6(text) ? IP_LITERAL : null;
  if (digits) return parseIPv4(text) >= 0 ? IP_LITERAL : null;
  const name = upper ? text.toLowerCase() : text;
  return b[e - label] === 0x30 && HEX_LABEL.test(name) ? null : name;
}

const HEX_LABEL = /(^|\.)0x[0-9a-f]*$/;

/** RFC 7301 §3.1: ProtocolNameList protocol_name_list<2..2^16-1>, each name 1..255 bytes. */
function alpn(b: Buffer, p: number, end: number, ext: Extensions): HelloFailure | null {
  if (end - p < 4 || p + 2 + ((b[p] << 8) | b[p + 1]) !== end) return 'bad-alpn';
  for (p += 2; p < end; ) {
    const len = b[p];
    if (len === 0 || p + 1 + len > end) return 'bad-alpn';
    ext.alpn.push(protocolName(b, p + 1, len));
    p += 1 + len;
  }
  return null;
}

// Common ALPN ids (IANA registry) as interned strings: decoding a short string costs more than parsing.
const KNOWN_ALPN = ['h2', 'http/1.1', 'http/1.0', 'h3', 'acme-tls/1'];

function protocolName(b: Buffer, s: number, len: number): string {
  for (const id of KNOWN_ALPN) {
    if (id.length !== len) continue;
    let i = 0;
    while (i < len && b[s + i] === id.charCodeAt(i)) i++;
    if (i === len) return id;
  }
  return b.toString('latin1', s, s + len);
}

/** RFC 8446 §4.2.1: versions<2..254>; the highest non-GREASE (RFC 8701) value wins. */
function supportedVersions(b: Buffer, p: number, end: number, ext: Extensions): HelloFailure | null {
  const len = b[p];
  if (end - p < 3 || len < 2 || (len & 1) === 1 || p + 1 + len !== end) return 'bad-supported-versions';
  let best = 0;
  for (p += 1; p < end; p += 2) {
    const v = (b[p] << 8) | b[p + 1];
    const grease = b[p] === b[p + 1] && (b[p] & 0x0f) === 0x0a;
    if (!grease && v > best) best = v;
  }
  if (best !== 0) ext.version = best;
  return null;
}

/**
 * draft-ietf-tls-esni §5: ECHClientHello. `outer` (0) carries cipher_suite(4), config_id(1),
 * enc<0..2^16-1> and payload<1..2^16-1>: the real name is encrypted, `sni` is the public name.
 * `inner` (1) is one byte and belongs inside the encrypted hello: seen in the clear, the SNI
 * beside it is the real one, so `ech` stays false.
 */
function echOuter(b: Buffer, p: number, end: number, ext: Extensions): HelloFailure | null {
  if (end - p === 1 && b[p] === 1) return null;
  if (end - p < 10 || b[p] !== 0) return 'bad-ech';
  const enc = (b[p + 6] << 8) | b[p + 7];
  const q = p + 8 + enc;
  if (q + 2 > end) return 'bad-ech';
  const payload = (b[q] << 8) | b[q + 1];
  if (payload < 1 || q + 2 + payload !== end) return 'bad-ech';
  ext.ech = true;
  return null;
}

/**
 * The origin's response head (RFC 9112 §4, §6.3): read incrementally, its body framing worked
 * out, and rewritten for the client with the hop-by-hop fields replaced by the proxy's own
 * (RFC 9110 §7.6.1) and our Via appended (§7.6.3).
 */
import { Buffer } from 'node:buffer';
import type { Framing } from './framing.js';

/** A parsed response head. Field names lowercase, values trimmed. */
export interface ResponseHead {
  readonly version: '1.0' | '1.1';
  readonly status: number;
  readonly reason: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Connection options, lowercase. */
  readonly connection: readonly string[];
}

/** The reader's answer after each chunk. */
export type ResponseHeadResult =
  | { readonly state: 'need-more' }
  | { readonly state: 'done'; readonly head: ResponseHead; readonly rest: Buffer }
  | { readonly state: 'error'; readonly reason: string };

const NEED_MORE: ResponseHeadResult = Object.freeze({ state: 'need-more' });

/** Incremental response head reader with a size limit. */
export class ResponseHeadReader {
  readonly #max: number;
  #buffered: Buffer = Buffer.alloc(0);

  constructor(maxBytes = 65536) {
    this.#max = maxBytes;
  }

  /** Feeds the next chunk from the origin. */
  push(chunk: Buffer): ResponseHeadResult {
    const from = Math.max(0, this.#buffered.length - 3);
    this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    const b = this.#buffered;
    let end = -1;
    for (let i = b.indexOf(10, from); i >= 0; i = b.indexOf(10, i + 1)) {
      // RFC 9112 §2.2: the head ends at an empty line (CRLF CRLF, or a bare LF as a recipient may accept).
      if (b[i + 1] === 10) end = i + 2;
      else if (b[i + 1] === 13 && b[i + 2] === 10) end = i + 3;
      if (end >= 0) break;
    }
    if (end < 0) {
      return b.length > this.#max ? { state: 'error', reason: 'response head too large' } : NEED_MORE;
    }
    const head = parseHead(b.toString('latin1', 0, end));
    if (typeof head === 'string') return { state: 'error', reason: head };
    return { state: 'done', head, rest: b.subarray(end) };
  }
}

// RFC 9110 §5.6.2 tchar, either case (a field name is compared lowercased).
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TCHAR[c.charCodeAt(0)] = 1;
const CTL_IN_VALUE = /[\0\r\n]/;

const DIGIT_0 = 0x30;
const isDigit = (c: number) => c >= DIGIT_0 && c <= DIGIT_0 + 9;

/**
 * RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ], read as
 * /^HTTP\/1\.(\d) (\d{3})(?: (.*))?$/ reads it (a reason without a CR), without the RegExp: per
 * response, it cost more than the rest of the head. [minor version, status, reason], or null.
 */
function statusLine(line: string): [number, number, string] | null {
  if (line.length < 12 || !line.startsWith('HTTP/1.') || line.charCodeAt(8) !== 0x20) return null;
  const minor = line.charCodeAt(7);
  const a = line.charCodeAt(9);
  const b = line.charCodeAt(10);
  const c = line.charCodeAt(11);
  if (!isDigit(minor) || !isDigit(a) || !isDigit(b) || !isDigit(c)) return null;
  const status = (a - DIGIT_0) * 100 + (b - DIGIT_0) * 10 + (c - DIGIT_0);
  if (line.length === 12) return [minor - DIGIT_0, status, ''];
  if (line.charCodeAt(12) !== 0x20 || line.includes('\r', 13)) return null;
  return [minor - DIGIT_0, status, line.slice(13)];
}

// Lines end at LF, a CR before it dropped (as split(/\r?\n/) would); one pass, no line array.
function parseHead(text: string): ResponseHead | string {
  let eol = text.indexOf('\n');
  const first = lineOf(text, 0, eol < 0 ? text.length : eol);
  const status = statusLine(first);
  if (status === null) return `bad status line "${first.slice(0, 64)}"`;
  const headers: [string, string][] = [];
  const connection: string[] = [];
  while (eol >= 0) {
    const p = eol + 1;
    eol = text.indexOf('\n', p);
    const line = lineOf(text, p, eol < 0 ? text.length : eol);
    if (line === '') continue;
    const colon = line.indexOf(':');
    // RFC 9112 §5.2: obs-fold is refused by a proxy (or replaced); refusing is simpler and safe.
    if (colon <= 0 || line[0] === ' ' || line[0] === '\t') return `bad header line "${line.slice(0, 64)}"`;
    for (let i = 0; i < colon; i++) {
      const c = line.charCodeAt(i);
      if (c >= 128 || TCHAR[c] === 0)
        return `bad header name "${line.slice(0, colon).toLowerCase().slice(0, 64)}"`;
    }
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (CTL_IN_VALUE.test(value)) return `bad header value for "${name}"`;
    headers.push([name, value]);
    if (name === 'connection') for (const t of value.split(',')) connection.push(t.trim().toLowerCase());
  }
  return {
    version: status[0] === 0 ? '1.0' : '1.1',
    status: status[1],
    reason: status[2],
    headers,
    connection,
  };
}

function lineOf(text: string, from: number, to: number): string {
  return to > from && text.charCodeAt(to - 1) === 13 ? text.slice(from, to - 1) : text.slice(from, to);
}

/** RFC 9112 §6.3: how the response body is delimited; a string when the framing is invalid. */
export function responseFraming(head: ResponseHead, requestMethod: string): Framing | string {
  const s = head.status;
  // (1) HEAD responses, 1xx, 204 and 304 have no body whatever their fields say.
  if (requestMethod === 'HEAD' || (s >= 100 && s < 200) || s === 204 || s === 304) return { kind: 'none' };
  // One pass over the fields, allocating only for the framing fields present.
  let te: string | null = null;
  let cl: string[] | null = null;
  for (const [n, v] of head.headers) {
    if (n === 'transfer-encoding') te = v.toLowerCase();
    else if (n === 'content-length') cl = cl === null ? v.split(',') : cl.concat(v.split(','));
  }
  if (te !== null) {
    // (4) chunked last (of the last field) → chunked; otherwise the body runs until the origin closes.
    return te.slice(te.lastIndexOf(',') + 1).trim() === 'chunked' ? { kind: 'chunked' } : { kind: 'close' };
  }
  if (cl !== null) {
    const values = cl.map((v) => v.trim());
    // (5) differing or invalid lengths: unrecoverable, the proxy must not guess.
    if (!/^\d{1,15}$/.test(values[0]) || values.some((v) => v !== values[0])) {
      return `bad content-length "${values.join(',').slice(0, 64)}"`;
    }
    return { kind: 'length', length: Number(values[0]) };
  }
  return { kind: 'close' };
}

/** True when the origin lets the connection persist after this response (RFC 9112 §9.3). */
export function originKeepsAlive(head: ResponseHead, framing: Framing): boolean {
  if (framing.kind === 'close' || head.connection.includes('close')) return false;
  return head.version === '1.1' || head.connection.includes('keep-alive');
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

/** The head written to the client: hop-by-hop fields replaced, persistence stated, Via added. */
export function formatClientHead(head: ResponseHead, close: boolean, via: string): Buffer {
  return Buffer.from(clientHeadText(head, close, via), 'latin1');
}

/** `formatClientHead` as latin1 text (one byte per character), for a caller that copies it once. */
export function clientHeadText(head: ResponseHead, close: boolean, via: string): string {
  const drop = head.connection;
  let text = `HTTP/1.1 ${head.status} ${head.reason}\r\n`;
  for (const [name, value] of head.headers) {
    if (!HOP_BY_HOP.has(name) && (drop.length === 0 || !drop.includes(name))) text += `${name}: ${value}\r\n`;
  }
  if (close) text += 'connection: close\r\n';
  return `${text}via: ${head.version} ${via}\r\n\r\n`;
}

/**
 * Structured DNS Errors (draft-ietf-dnsop-structured-dns-error-22, "SDE"): the I-JSON
 * object carried in an EDE's EXTRA-TEXT, and the plain-text form for clients that did
 * not ask for it.
 *
 * Signalling (draft-22 §5.1, §5.4): a client that supports the format includes the SDE
 * EDNS(0) option, OPTION-LENGTH 0, in its query; its code is still "TBD" (§11.1).
 * Only then may EXTRA-TEXT be JSON (§5.2: otherwise "MUST process the request in
 * accordance with RFC 8914"). Drafts before the January 2026 revision used an EDE option
 * with INFO-CODE 0 and no text as the signal; `readOpt` accepts both.
 * Contact schemes: -22 §11.3 registers sips, tel and mailto; the editor's copy since
 * 23 June 2026 drops sips, so by default only tel and mailto are sent.
 */
import { EDE_CODE } from './constants.js';

/** The draft's JSON names (§4) the gateway fills. */
export interface StructuredErrorFields {
  /** `j`: justification, human-readable UTF-8 (RFC 5198). */
  readonly j?: string;
  /** `o`: organisation that filtered the query. */
  readonly o?: string;
  /** `c`: contact URIs; only registered schemes are kept (§11.3). */
  readonly c?: readonly string[];
  /** `l`: language tag (RFC 5646 §2.1) of `j` and `o`; REQUIRED when either is present. */
  readonly l?: string;
  /** `s`: sub-error code (§11.4); never sent with INFO-CODE 16 Censored (§5.2). */
  readonly s?: number;
}

/** Limits and context for the encoders. */
export interface StructuredErrorOptions {
  /** INFO-CODE the text rides with: with 16 (Censored) `s` is dropped (§5.2). */
  readonly infoCode?: number;
  /** Upper bound on the UTF-8 size of the result. Default 512. */
  readonly maxBytes?: number;
  /** Contact URI schemes to keep. Default `tel`, `mailto`. */
  readonly schemes?: readonly string[];
}

const DEFAULT_MAX = 512;
const DEFAULT_SCHEMES = ['tel', 'mailto'] as const;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

// RFC 7493 §2.1: I-JSON strings MUST NOT hold lone surrogates; JSON.stringify would escape them.
function clean(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const t = text.replace(LONE_SURROGATE, '\ufffd').trim();
  return t === '' ? undefined : t;
}

function keepContact(uri: string, schemes: readonly string[]): boolean {
  const colon = uri.indexOf(':');
  return colon > 0 && schemes.includes(uri.slice(0, colon).toLowerCase()) && colon < uri.length - 1;
}

function encode(obj: Record<string, unknown>): string {
  return Object.keys(obj).length === 0 ? '' : JSON.stringify(obj);
}

/**
 * Minified I-JSON for EXTRA-TEXT, within `maxBytes`. When too large it first drops `j`,
 * `o` (and `l`, which only qualifies them), as draft-22 §5.2 orders, then trailing
 * contacts; returns '' when nothing meaningful fits or remains (§5.3 step 5 would discard
 * an object without `c`, `j` or `s`).
 */
export function structuredErrorJson(fields: StructuredErrorFields, opts?: StructuredErrorOptions): string {
  const max = opts?.maxBytes ?? DEFAULT_MAX;
  const schemes = opts?.schemes ?? DEFAULT_SCHEMES;
  const c = (fields.c ?? [])
    .map((u) => clean(u))
    .filter((u): u is string => u !== undefined && keepContact(u, schemes));
  const j = clean(fields.j);
  const o = clean(fields.o);
  const s = opts?.infoCode === EDE_CODE.CENSORED || fields.s === undefined ? undefined : fields.s >>> 0;
  const l = j !== undefined || o !== undefined ? (clean(fields.l) ?? 'en') : undefined;
  const full: Record<string, unknown> = {};
  if (c.length > 0) full.c = c;
  if (j !== undefined) full.j = j;
  if (s !== undefined) full.s = s;
  if (o !== undefined) full.o = o;
  if (l !== undefined) full.l = l;
  if (c.length === 0 && j === undefined && s === undefined) return '';
  let text = encode(full);
  if (Buffer.byteLength(text, 'utf8') <= max) return text;
  const short: Record<string, unknown> = {};
  if (c.length > 0) short.c = c;
  if (s !== undefined) short.s = s;
  while (c.length > 0) {
    text = encode(short);
    if (Buffer.byteLength(text, 'utf8') <= max) return text;
    c.pop();
    if (c.length === 0) delete short.c;
  }
  text = s === undefined ? '' : encode(short);
  return Buffer.byteLength(text, 'utf8') <= max ? text : '';
}

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
export function fitUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  let cut = Math.max(0, maxBytes);
  // Back up over UTF-8 continuation bytes (10xxxxxx) so the cut lands on a boundary.
  while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
  return bytes.toString('utf8', 0, cut);
}

/**
 * RFC 8914 plain EXTRA-TEXT for clients that did not signal SDE support:
 * `<o>: <j> (contact: <c1>, <c2>)`, cut to `maxBytes` on a character boundary.
 */
export function plainErrorText(fields: StructuredErrorFields, maxBytes = DEFAULT_MAX): string {
  const o = clean(fields.o);
  const j = clean(fields.j);
  const c = (fields.c ?? []).map((u) => clean(u)).filter((u): u is string => u !== undefined);
  let text = o !== undefined && j !== undefined ? `${o}: ${j}` : (o ?? j ?? '');
  if (c.length > 0) text += `${text === '' ? '' : ' '}(contact: ${c.join(', ')})`;
  return fitUtf8(text, maxBytes);
}

/** Picks the EXTRA-TEXT form the client asked for: JSON when it signalled SDE, else plain text. */
export function extraTextFor(
  structured: boolean,
  fields: StructuredErrorFields,
  opts?: StructuredErrorOptions,
): string {
  return structured ? structuredErrorJson(fields, opts) : plainErrorText(fields, opts?.maxBytes);
}

/**
 * The DNS side of DoH (RFC 8484): decoding the `dns` parameter of a GET, recognising the
 * `application/dns-message` media type, and the HTTP freshness of an answer (§5.1).
 */
import { RCODE, TYPE } from '../wire/constants.js';
import { RecordCursor, SECTION, u32 } from '../wire/message.js';

/** RFC 8484 §6: the media type of a DNS message over HTTP. */
export const DNS_MESSAGE = 'application/dns-message';

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Decodes the `dns` query parameter (RFC 8484 §4.1: base64url, RFC 4648 §5, padding
 * omitted). Trailing padding is tolerated; anything else outside the alphabet, or a
 * length that cannot be base64 (one character left over), yields null.
 */
export function decodeDnsParam(text: string): Buffer | null {
  if (!BASE64URL.test(text)) return null;
  const bare = text.replace(/=+$/, '');
  if (bare.length % 4 === 1) return null;
  return Buffer.from(bare, 'base64url');
}

/** True when a `content-type` header names `application/dns-message` (parameters ignored). */
export function isDnsMessageType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semi = contentType.indexOf(';');
  const type = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return type === DNS_MESSAGE;
}

/**
 * The `max-age` for a response (RFC 8484 §5.1): the smallest TTL in the answer section;
 * for a negative answer (NXDOMAIN or NODATA) the SOA's negative TTL, min(SOA TTL, MINIMUM)
 * (RFC 2308 §5). 0 for errors, truncated or malformed messages, and when nothing says longer.
 */
export function responseMaxAge(response: Uint8Array): number {
  if (response.length < 12) return 0;
  const rcode = response[3] & 0xf;
  // TC=1: the client retries elsewhere, so the message must not be reused.
  if ((response[2] & 0x02) !== 0 || (rcode !== RCODE.NOERROR && rcode !== RCODE.NXDOMAIN)) return 0;
  const c = new RecordCursor(response);
  let answerMin = Number.POSITIVE_INFINITY;
  let negative = Number.POSITIVE_INFINITY;
  while (c.next()) {
    // RFC 2181 §8: a TTL with the top bit set is read as zero.
    const raw = u32(response, c.ttlOffset);
    const ttl = raw > 0x7fffffff ? 0 : raw;
    if (c.section === SECTION.ANSWER) answerMin = Math.min(answerMin, ttl);
    else if (c.section === SECTION.AUTHORITY && c.type === TYPE.SOA && c.rdlength >= 22) {
      negative = Math.min(negative, ttl, u32(response, c.recordEnd - 4));
    }
  }
  if (c.error) return 0;
  if (rcode === RCODE.NOERROR && Number.isFinite(answerMin)) return answerMin;
  // NXDOMAIN after a CNAME chain: the chain's TTLs bound it too.
  const min = Math.min(answerMin, negative);
  return Number.isFinite(min) ? min : 0;
}

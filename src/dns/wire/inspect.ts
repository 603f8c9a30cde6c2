/**
 * Cheap inspection of an upstream answer section for the policy checks: CNAME targets
 * as names, A addresses as one unsigned 32-bit number, AAAA as four 32-bit words (the
 * layout of `core/net/address.ts`). No message object is built.
 */
import { RCODE, TYPE } from './constants.js';
import { RecordCursor, SECTION, u16, u32 } from './message.js';
import { readName } from './name.js';

/** Callbacks for `inspectAnswers`; return `false` from any to stop early. */
export interface AnswerVisitor {
  cname?(target: string, ttl: number): boolean | undefined;
  a?(address: number, ttl: number): boolean | undefined;
  aaaa?(w0: number, w1: number, w2: number, w3: number, ttl: number): boolean | undefined;
}

/** Result of `inspectAnswers`. */
export type InspectResult = 'done' | 'stopped' | 'malformed';

/**
 * Visits the CNAME, A and AAAA records of the answer section (RFC 1035 §4.1.3) in order.
 * Records with a malformed RDATA length or target make the whole message `malformed`,
 * which the caller should treat as SERVFAIL rather than pass unchecked.
 */
export function inspectAnswers(buf: Uint8Array, len: number, visit: AnswerVisitor): InspectResult {
  // The visitors are callers' code: should one inspect another message, it gets its own cursor.
  if (busy) return visitAnswers(new RecordCursor(buf, len), buf, visit);
  busy = true;
  try {
    return visitAnswers(shared.reset(buf, len), buf, visit);
  } finally {
    shared.release();
    busy = false;
  }
}

/** The cursor `inspectAnswers` reuses, and whether a call is using it now. */
const shared = new RecordCursor(new Uint8Array(0));
let busy = false;

function visitAnswers(c: RecordCursor, buf: Uint8Array, visit: AnswerVisitor): InspectResult {
  while (c.next()) {
    if (c.section !== SECTION.ANSWER) break;
    const ttl = u32(buf, c.ttlOffset);
    const o = c.rdataOffset;
    let go: boolean | undefined = true;
    if (c.type === TYPE.A) {
      if (c.rdlength !== 4) return 'malformed';
      go = visit.a?.(u32(buf, o), ttl);
    } else if (c.type === TYPE.AAAA) {
      if (c.rdlength !== 16) return 'malformed';
      go = visit.aaaa?.(u32(buf, o), u32(buf, o + 4), u32(buf, o + 8), u32(buf, o + 12), ttl);
    } else if (c.type === TYPE.CNAME) {
      if (visit.cname === undefined) continue;
      // In place the target must end inside RDATA; its pointers may reach back before it.
      const target = readName(buf, o, c.recordEnd);
      if (target === null) return 'malformed';
      go = visit.cname(target, ttl);
    }
    if (go === false) return 'stopped';
  }
  return c.error ? 'malformed' : 'done';
}

/** The 4-bit header RCODE of a response (RFC 1035 §4.1.1); SERVFAIL for a short buffer. */
export function responseRcode(buf: Uint8Array): number {
  return buf.length >= 4 ? buf[3] & 0xf : RCODE.SERVFAIL;
}

/** The header's answer count (RFC 1035 §4.1.1 ANCOUNT), 0 for a short buffer. */
export function answerCount(buf: Uint8Array): number {
  return buf.length >= 12 ? u16(buf, 6) : 0;
}

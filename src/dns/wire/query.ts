/**
 * The hot-path query parser: header (RFC 1035 §4.1.1), exactly one question (§4.1.2),
 * and the OPT RR (RFC 6891 §6.1). It never throws and allocates two small objects per
 * query; the QNAME stays in the buffer unless the caller asks for its text.
 */
import { FLAG, HEADER_SIZE, MAX_LABEL, MAX_NAME_WIRE, RCODE, TYPE } from './constants.js';
import { type Edns, type EdnsOptions, readOpt } from './edns.js';
import { clampLength, u16 } from './message.js';
import {
  NAME_BAD_POINTER,
  NAME_LABEL_TOO_LONG,
  NAME_TOO_LONG,
  NAME_TRUNCATED,
  readName,
  skipName,
} from './name.js';

/** Why a query was refused: a bounded set, usable as a metric label. */
export type ParseReason =
  | 'truncated-header'
  | 'not-a-query'
  | 'opcode'
  | 'qdcount'
  | 'truncated-question'
  | 'bad-pointer'
  | 'label-too-long'
  | 'name-too-long'
  | 'truncated-record'
  | 'opt-duplicate'
  | 'opt-not-root'
  | 'opt-bad-option'
  | 'bad-version';

/** A well-formed query. Offsets index `buf`; the QNAME always starts at 12. */
export interface Query {
  readonly ok: true;
  readonly buf: Uint8Array;
  readonly len: number;
  readonly id: number;
  /** The header flags word (offset 2): RD, CD, opcode… as sent. */
  readonly flags: number;
  /** Offset just past the QNAME's terminating zero. */
  readonly qnameEnd: number;
  readonly qtype: number;
  readonly qclass: number;
  /** Offset just past QTYPE/QCLASS: `buf[12, questionEnd)` is the question to echo. */
  readonly questionEnd: number;
  readonly edns: Edns | null;
  /** Lowercase text QNAME when asked for (`ParseOptions.name`), else null: see `queryName`. */
  readonly name: string | null;
}

/** A message that must not be answered: no readable ID, or not a query (RFC 1035 §4.1.1 QR). */
export interface ParseDrop {
  readonly ok: false;
  readonly drop: true;
  readonly reason: 'truncated-header' | 'not-a-query';
}

/** A query to answer with an error RCODE; the question and OPT are kept when they parsed. */
export interface ParseError {
  readonly ok: false;
  readonly drop: false;
  readonly rcode: number;
  readonly reason: ParseReason;
  readonly buf: Uint8Array;
  readonly id: number;
  readonly flags: number;
  /** 0 when there is no question to echo. */
  readonly questionEnd: number;
  readonly edns: Edns | null;
}

/** What `parseQuery` returns. */
export type ParseResult = Query | ParseDrop | ParseError;

/** Options for `parseQuery`. */
export interface ParseOptions extends EdnsOptions {
  /** Also decode the QNAME to lowercase text (`Query.name`). */
  readonly name?: boolean;
}

const DROP_HEADER: ParseDrop = Object.freeze({ ok: false, drop: true, reason: 'truncated-header' });
const DROP_RESPONSE: ParseDrop = Object.freeze({ ok: false, drop: true, reason: 'not-a-query' });

const NAME_REASONS: Record<number, ParseReason> = {
  [NAME_TRUNCATED]: 'truncated-question',
  [NAME_BAD_POINTER]: 'bad-pointer',
  [NAME_LABEL_TOO_LONG]: 'label-too-long',
  [NAME_TOO_LONG]: 'name-too-long',
};

/**
 * End of the QNAME at offset 12, or a negative NAME_* code. A query's QNAME is the first
 * name in the message, so any compression pointer in it is not a prior occurrence
 * (RFC 1035 §4.1.4): it is refused outright, which also rules out loops.
 */
function scanQname(buf: Uint8Array, end: number): number {
  let o = HEADER_SIZE;
  for (;;) {
    if (o >= end) return NAME_TRUNCATED;
    const l = buf[o];
    if (l === 0) return o + 1;
    if (l >= 0xc0) return NAME_BAD_POINTER;
    if (l > MAX_LABEL) return NAME_LABEL_TOO_LONG;
    o += l + 1;
    // RFC 1035 §3.1: at most 255 octets including the terminating zero.
    if (o - HEADER_SIZE + 1 > MAX_NAME_WIRE) return NAME_TOO_LONG;
  }
}

/**
 * Parses a query received from a client. Never throws: malformed input yields a
 * `ParseDrop` (not even an ID to answer) or a `ParseError` carrying the RCODE to send.
 */
export function parseQuery(buf: Uint8Array, len = buf.length, opts?: ParseOptions): ParseResult {
  const end = clampLength(buf, len);
  if (end < HEADER_SIZE) return DROP_HEADER;
  const flags = u16(buf, 2);
  // A response sent to a resolver is never answered: that is how reflection loops start.
  if ((flags & FLAG.QR) !== 0) return DROP_RESPONSE;
  const id = u16(buf, 0);
  const opcode = (flags >>> 11) & 0xf;
  // RFC 1035 §4.1.1: opcode other than QUERY (0) → NOTIMP, question echoed if it parses.
  const notImp = opcode !== 0;
  if (u16(buf, 4) !== 1)
    return fail(
      buf,
      id,
      flags,
      notImp ? RCODE.NOTIMP : RCODE.FORMERR,
      notImp ? 'opcode' : 'qdcount',
      0,
      null,
    );
  const qnameEnd = scanQname(buf, end);
  if (qnameEnd < 0)
    return fail(
      buf,
      id,
      flags,
      notImp ? RCODE.NOTIMP : RCODE.FORMERR,
      notImp ? 'opcode' : NAME_REASONS[qnameEnd],
      0,
      null,
    );
  const questionEnd = qnameEnd + 4;
  if (questionEnd > end)
    return fail(
      buf,
      id,
      flags,
      notImp ? RCODE.NOTIMP : RCODE.FORMERR,
      notImp ? 'opcode' : 'truncated-question',
      0,
      null,
    );
  const records = u16(buf, 6) + u16(buf, 8);
  const additional = u16(buf, 10);
  let edns: Edns | null = null;
  let reason: ParseReason | null = null;
  if (records + additional > 0) {
    const scan = scanRecords(buf, end, questionEnd, records, additional, opts?.sdeOptionCode ?? -1);
    if (typeof scan === 'string') reason = scan;
    else edns = scan;
  }
  if (notImp) return fail(buf, id, flags, RCODE.NOTIMP, 'opcode', questionEnd, edns);
  if (reason !== null) return fail(buf, id, flags, RCODE.FORMERR, reason, questionEnd, null);
  // RFC 6891 §6.1.3: a VERSION we do not implement → BADVERS, answered with our version (0).
  if (edns !== null && edns.version !== 0)
    return fail(buf, id, flags, RCODE.BADVERS, 'bad-version', questionEnd, edns);
  return {
    ok: true,
    buf,
    len: end,
    id,
    flags,
    qnameEnd,
    qtype: u16(buf, qnameEnd),
    qclass: u16(buf, qnameEnd + 2),
    questionEnd,
    edns,
    name: opts?.name === true ? readName(buf, HEADER_SIZE, end) : null,
  };
}

/**
 * Skips answer/authority records and reads the additional section, returning the OPT
 * (or null) or why the records are malformed. RFC 6891 §6.1.1: more than one OPT, or
 * OPT with a non-root owner → FORMERR.
 */
function scanRecords(
  buf: Uint8Array,
  end: number,
  from: number,
  records: number,
  additional: number,
  sde: number,
): Edns | null | ParseReason {
  let o = from;
  let edns: Edns | null = null;
  for (let i = 0; i < records + additional; i++) {
    const start = o;
    const fixed = skipName(buf, o, end);
    if (fixed < 0) return fixed === NAME_TRUNCATED ? 'truncated-record' : NAME_REASONS[fixed];
    if (fixed + 10 > end) return 'truncated-record';
    o = fixed + 10 + u16(buf, fixed + 8);
    if (o > end) return 'truncated-record';
    if (i < records || u16(buf, fixed) !== TYPE.OPT) continue;
    if (edns !== null) return 'opt-duplicate';
    if (fixed !== start + 1) return 'opt-not-root';
    edns = readOpt(buf, start, fixed, sde);
    if (edns === null) return 'opt-bad-option';
  }
  return edns;
}

function fail(
  buf: Uint8Array,
  id: number,
  flags: number,
  rcode: number,
  reason: ParseReason,
  questionEnd: number,
  edns: Edns | null,
): ParseError {
  return { ok: false, drop: false, rcode, reason, buf, id, flags, questionEnd, edns };
}

/** The query's QNAME as lowercase text (`.` for the root), decoded on demand. */
export function queryName(query: Query): string {
  return query.name ?? readName(query.buf, HEADER_SIZE, query.qnameEnd) ?? '';
}

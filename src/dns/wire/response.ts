/**
 * Response builders that write straight into one Buffer: error answers, disclosed block
 * answers (RFC 2308 negative answers with an RFC 8914 EDE), synthetic answers and the
 * RFC 8482 minimal ANY answer. Every answer echoes the client's question bytes as sent,
 * so clients that randomise QNAME case (draft-vixie-dnsext-dns0x20) still match it.
 */
import { GatehouseError } from '../../core/errors.js';
import { parseIPv4, parseIPv6 } from '../../core/net/address.js';
import { CLASS_IN, DEFAULT_EDNS_SIZE, FLAG, HEADER_SIZE, RCODE, TYPE } from './constants.js';
import { type Ede, type Edns, encodeEde } from './edns.js';
import type { ParseError, Query } from './query.js';
import { Writer } from './writer.js';

/** Anything with an ID to answer: a parsed query or a parse error that is not a drop. */
export type Answerable = Query | ParseError;

/** Options shared by the builders. */
export interface ResponseOptions {
  /** Extended DNS Error to attach; only sent when the query had EDNS (RFC 6891 §7). */
  readonly ede?: Ede;
  /** UDP payload size we advertise in our OPT (RFC 6891 §6.2.3). Default 1232. */
  readonly ednsBufferSize?: number;
}

/** The SOA of a synthetic negative answer (RFC 2308 §3). */
export interface NegativeSoa {
  readonly mname: string;
  /** The mailbox as a name (`hostmaster.example.gov`). */
  readonly rname: string;
  readonly serial: number;
  /** TTL of the SOA record and its MINIMUM field: how long resolvers may cache the block. */
  readonly negativeTtl: number;
  /** Owner of the SOA; defaults to the query name. */
  readonly zone?: string;
}

/** How to answer a blocked name. */
export interface BlockOptions extends ResponseOptions {
  readonly answer: 'nxdomain' | 'nodata' | 'refused';
  readonly soa: NegativeSoa;
  /**
   * Names after the question may point into it (default true). False makes everything after
   * the question depend only on its length, so the answer can serve as a template for other
   * questions of that length (see `answerFromTemplate`).
   */
  readonly compressQuestion?: boolean;
}

/** One synthetic record; the owner defaults to the last CNAME target, else the QNAME. */
export type AnswerRecord =
  | { readonly type: 'A'; readonly name?: string; readonly ttl: number; readonly address: string }
  | { readonly type: 'AAAA'; readonly name?: string; readonly ttl: number; readonly address: string }
  | { readonly type: 'CNAME'; readonly name?: string; readonly ttl: number; readonly target: string };

// Refresh, retry, expire of synthetic SOAs: never used for transfers, only plausible values.
const SOA_TIMERS = [3600, 600, 86400] as const;

function begin(query: Answerable, rcode: number, sizeHint: number, compress = true): Writer {
  const w = new Writer(sizeHint + (query.questionEnd > 0 ? query.questionEnd : HEADER_SIZE));
  w.u16(query.id);
  // RFC 1035 §4.1.1: QR set, opcode and RD copied; CD copied (RFC 4035 §3.2.2); RA: we recurse.
  w.u16(FLAG.QR | (query.flags & (0x7800 | FLAG.RD | FLAG.CD)) | FLAG.RA | (rcode & 0xf));
  w.u16(query.questionEnd > 0 ? 1 : 0);
  w.u16(0);
  w.u16(0);
  w.u16(0);
  if (query.questionEnd > 0) {
    w.bytes(query.buf, HEADER_SIZE, query.questionEnd);
    if (compress) w.registerWireName(query.buf, HEADER_SIZE, HEADER_SIZE);
  }
  return w;
}

/**
 * Appends our OPT when the query had one (RFC 6891 §7: never otherwise): version 0,
 * the extended RCODE's upper bits, the DO bit copied (RFC 3225 §3), and the EDE option.
 */
function end(w: Writer, edns: Edns | null, rcode: number, opts: ResponseOptions | undefined): Buffer {
  if (edns !== null) {
    const ede = opts?.ede === undefined ? null : encodeEde(opts.ede);
    w.u8(0);
    w.u16(TYPE.OPT);
    w.u16(Math.max(512, Math.min(opts?.ednsBufferSize ?? DEFAULT_EDNS_SIZE, 0xffff)));
    w.u8(rcode >>> 4);
    w.u8(0);
    w.u16(edns.dnssecOk ? 0x8000 : 0);
    w.u16(ede === null ? 0 : ede.length);
    if (ede !== null) w.bytes(ede);
    w.patch16(10, 1);
  }
  return w.finish();
}

// RCODEs above 15 exist only with OPT (RFC 6891 §6.1.3); without it, SERVFAIL is the honest fallback.
function effectiveRcode(query: Answerable, rcode: number): number {
  return rcode > 15 && query.edns === null ? RCODE.SERVFAIL : rcode;
}

/**
 * An error answer (FORMERR, SERVFAIL, REFUSED, NOTIMP, BADVERS…) echoing the question
 * when it parsed. For `ParseError`s pass `error.rcode`.
 */
export function buildErrorResponse(query: Answerable, rcode: number, opts?: ResponseOptions): Buffer {
  const code = effectiveRcode(query, rcode);
  return end(begin(query, code, 64, false), query.edns, code, opts);
}

function writeSoa(w: Writer, owner: string | null, soa: NegativeSoa): void {
  if (owner === null) w.u16(0xc000 | HEADER_SIZE);
  else w.name(owner);
  const ttl = soa.negativeTtl >>> 0;
  w.u16(TYPE.SOA);
  w.u16(CLASS_IN);
  w.u32(ttl);
  const rdlength = w.pos;
  w.u16(0);
  w.name(soa.mname);
  w.name(soa.rname);
  w.u32(soa.serial);
  for (const t of SOA_TIMERS) w.u32(t);
  // RFC 2308 §4/§5: the negative TTL is min(SOA TTL, MINIMUM); both carry it.
  w.u32(ttl);
  w.patch16(rdlength, w.pos - rdlength - 2);
}

/**
 * A disclosed block: NXDOMAIN or NODATA with the SOA in AUTHORITY whose TTL and MINIMUM
 * are the negative TTL (RFC 2308 §3, §5), so a lifted order clears from caches quickly;
 * or REFUSED (no SOA). The EDE (RFC 8914 §4.17 Censored, §4.16 Blocked, §4.18 Filtered)
 * rides in OPT when the client sent EDNS.
 */
export function buildBlockResponse(query: Query, opts: BlockOptions): Buffer {
  const rcode =
    opts.answer === 'nxdomain' ? RCODE.NXDOMAIN : opts.answer === 'refused' ? RCODE.REFUSED : RCODE.NOERROR;
  const w = begin(query, rcode, 160 + (opts.ede?.extraText?.length ?? 0) * 3, opts.compressQuestion ?? true);
  if (opts.answer !== 'refused') {
    writeSoa(w, opts.soa.zone ?? null, opts.soa);
    w.patch16(8, 1);
  }
  return end(w, query.edns, rcode, opts);
}

// Header bits taken from the query (RFC 1035 §4.1.1 opcode and RD; RFC 4035 §3.2.2 CD).
const ECHOED_FLAGS = 0x7800 | FLAG.RD | FLAG.CD;

/**
 * A copy of `template` (an answer built with `compressQuestion: false` for a question of the
 * same length) answering `query`: its ID, its echoed header bits and its question bytes.
 */
export function answerFromTemplate(template: Buffer, query: Query): Buffer {
  const out = Buffer.allocUnsafe(template.length);
  template.copy(out, 0);
  out[0] = query.id >>> 8;
  out[1] = query.id & 0xff;
  const flags = (((template[2] << 8) | template[3]) & ~ECHOED_FLAGS) | (query.flags & ECHOED_FLAGS);
  out[2] = flags >>> 8;
  out[3] = flags & 0xff;
  out.set(query.buf.subarray(HEADER_SIZE, query.questionEnd), HEADER_SIZE);
  return out;
}

function writeRecord(w: Writer, owner: string | null, rec: AnswerRecord): void {
  if (owner === null) w.u16(0xc000 | HEADER_SIZE);
  else w.name(owner);
  w.u16(TYPE[rec.type]);
  w.u16(CLASS_IN);
  w.u32(rec.ttl >>> 0);
  if (rec.type === 'CNAME') {
    const at = w.pos;
    w.u16(0);
    w.name(rec.target);
    w.patch16(at, w.pos - at - 2);
  } else if (rec.type === 'A') {
    const v4 = parseIPv4(rec.address);
    if (v4 < 0)
      throw new GatehouseError('GH_ERR_DNS_ENCODE', `encoding A record: invalid address "${rec.address}"`);
    w.u16(4);
    w.u32(v4);
  } else {
    const v6 = parseIPv6(rec.address);
    if (v6 === null)
      throw new GatehouseError('GH_ERR_DNS_ENCODE', `encoding AAAA record: invalid address "${rec.address}"`);
    w.u16(16);
    for (const word of v6) w.u32(word);
  }
}

/**
 * A synthetic NOERROR answer: a notice address (A/AAAA, disclosed with EDE 4 Forged
 * Answer, RFC 8914 §4.5) or a CNAME chain (safe-search). Records without `name` follow the
 * chain: their owner is the previous CNAME's target. Note draft-ietf-dnsop-structured-dns-error-22
 * §5.2: a client that sent the SDE option MUST NOT be sent Forged Answer.
 */
export function buildAnswer(query: Query, records: readonly AnswerRecord[], opts?: ResponseOptions): Buffer {
  const w = begin(query, RCODE.NOERROR, 64 + records.length * 48);
  let owner: string | null = null;
  for (const rec of records) {
    writeRecord(w, rec.name ?? owner, rec);
    if (rec.type === 'CNAME') owner = rec.target;
  }
  w.patch16(6, records.length);
  return end(w, query.edns, RCODE.NOERROR, opts);
}

/**
 * RFC 8482 §4.2: answers QTYPE=ANY with one synthesized HINFO RR, CPU "RFC8482" and an
 * empty OS, instead of every RRset. (The other option of §4.1, one real RRset, is
 * `buildAnswer` with that RRset or the upstream's answer to one type.)
 */
export function buildMinimalAny(query: Query, ttl = 3600, opts?: ResponseOptions): Buffer {
  const w = begin(query, RCODE.NOERROR, 64);
  w.u16(0xc000 | HEADER_SIZE);
  w.u16(TYPE.HINFO);
  w.u16(CLASS_IN);
  w.u32(ttl >>> 0);
  w.u16(9);
  w.u8(7);
  w.bytes(Buffer.from('RFC8482', 'latin1'));
  w.u8(0);
  w.patch16(6, 1);
  return end(w, query.edns, RCODE.NOERROR, opts);
}

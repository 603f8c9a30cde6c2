/**
 * EDNS(0) (RFC 6891): the OPT pseudo-RR read from a query, its options, and the option
 * encoders the builders use (EDE, RFC 8914 §2).
 */
import { CLASSIC_UDP_SIZE, OPTION } from './constants.js';
import { u16 } from './message.js';

/** What a query's OPT RR says (RFC 6891 §6.1.3). */
export interface Edns {
  /** Requestor's UDP payload size; values under 512 read as 512 (RFC 6891 §6.2.5). */
  readonly udpSize: number;
  readonly version: number;
  /** Upper 8 bits of the extended RCODE (zero in a well-formed query). */
  readonly extRcode: number;
  /** The DO bit (RFC 3225 §3): copied into the response's OPT. */
  readonly dnssecOk: boolean;
  /** Offset of the OPT RR (its root owner name). */
  readonly recordOffset: number;
  readonly rdataOffset: number;
  readonly rdataLength: number;
  readonly optionCount: number;
  /** Offset of the whole ECS option (RFC 7871 §6), header included, or -1. */
  readonly ecsOffset: number;
  /** Length of the whole ECS option, header included, or 0. */
  readonly ecsLength: number;
  /** True when the query carried an EDE option (RFC 8914 §2). */
  readonly ede: boolean;
  /** True when the client signalled support for structured EXTRA-TEXT (see `structuredSignal`). */
  readonly structuredErrors: boolean;
}

/** One option inside OPT RDATA: code, and where its data sits. */
export interface EdnsOption {
  readonly code: number;
  /** Offset of OPTION-DATA (the 4-byte header precedes it). */
  readonly dataOffset: number;
  readonly dataLength: number;
}

/** Parse options for the EDNS reader. */
export interface EdnsOptions {
  /**
   * OPTION-CODE of the Structured DNS Error (SDE) option of
   * draft-ietf-dnsop-structured-dns-error-22 §5.4. IANA has not assigned it yet ("TBD");
   * -1 (the default) recognises only the earlier drafts' signal (an empty EDE option).
   */
  readonly sdeOptionCode?: number;
}

/**
 * Reads OPT at `recordOffset` whose fixed part starts at `fixed` (TYPE). The caller has
 * checked the owner is root and RDLENGTH fits the message. Returns null when an option
 * overruns the RDATA (RFC 6891 §6.1.2).
 */
export function readOpt(buf: Uint8Array, recordOffset: number, fixed: number, sde: number): Edns | null {
  const rdataOffset = fixed + 10;
  const rdataLength = u16(buf, fixed + 8);
  const end = rdataOffset + rdataLength;
  let o = rdataOffset;
  let count = 0;
  let ecsOffset = -1;
  let ecsLength = 0;
  let ede = false;
  let structured = false;
  while (o < end) {
    if (o + 4 > end) return null;
    const code = u16(buf, o);
    const length = u16(buf, o + 2);
    if (o + 4 + length > end) return null;
    count++;
    if (code === OPTION.ECS && ecsOffset < 0) {
      ecsOffset = o;
      ecsLength = 4 + length;
    } else if (code === OPTION.EDE) {
      ede = true;
      // Drafts before the Jan 2026 last-call revision: an empty EDE (INFO-CODE 0, no text) asked for JSON.
      if (length === 2 && buf[o + 4] === 0 && buf[o + 5] === 0) structured = true;
    } else if (code === sde) {
      // draft-22 §5.4: OPTION-LENGTH MUST be 0; data, if any, is silently ignored.
      structured = true;
    }
    o += 4 + length;
  }
  const size = u16(buf, fixed + 2);
  return {
    udpSize: Math.max(size, CLASSIC_UDP_SIZE),
    extRcode: buf[fixed + 4],
    version: buf[fixed + 5],
    dnssecOk: (buf[fixed + 6] & 0x80) !== 0,
    recordOffset,
    rdataOffset,
    rdataLength,
    optionCount: count,
    ecsOffset,
    ecsLength,
    ede,
    structuredErrors: structured,
  };
}

/** Iterates the options of an OPT RR already validated by `readOpt`. */
export function* ednsOptions(buf: Uint8Array, edns: Edns): Generator<EdnsOption> {
  const end = edns.rdataOffset + edns.rdataLength;
  for (let o = edns.rdataOffset; o + 4 <= end; o += 4 + u16(buf, o + 2)) {
    yield { code: u16(buf, o), dataOffset: o + 4, dataLength: u16(buf, o + 2) };
  }
}

/** An Extended DNS Error to attach (RFC 8914 §2). */
export interface Ede {
  readonly infoCode: number;
  /** UTF-8 EXTRA-TEXT; empty for none. */
  readonly extraText?: string;
}

/**
 * Encodes an EDE option (RFC 8914 §2): OPTION-CODE 15, OPTION-LENGTH, 2-byte INFO-CODE,
 * then EXTRA-TEXT as UTF-8 without a terminating NUL.
 */
export function encodeEde(ede: Ede): Buffer {
  const text = ede.extraText ?? '';
  const textLength = Buffer.byteLength(text, 'utf8');
  const out = Buffer.allocUnsafe(6 + textLength);
  out.writeUInt16BE(OPTION.EDE, 0);
  out.writeUInt16BE(2 + textLength, 2);
  out.writeUInt16BE(ede.infoCode & 0xffff, 4);
  out.write(text, 6, 'utf8');
  return out;
}

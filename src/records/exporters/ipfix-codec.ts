/**
 * The IPFIX message encoder (RFC 7011), written here without a dependency (DESIGN §5).
 *
 * One flow record becomes one Data Record. Which addresses a record carries depends on its
 * families (and on `includeAddress`), so there is one Template per shape (§3.4.1): source
 * none/IPv4/IPv6 × destination none/IPv4/IPv6. All of them go in one Template Set, which fits
 * a single small message, so a collector that has seen one Template Set can decode everything.
 *
 * Bytes each way are a biflow (RFC 5103): `octetDeltaCount` (IE 1) for the initiator → responder
 * direction (what the subscriber sent) and its reverse, IE 1 with the reverse enterprise number
 * 29305 (RFC 5103 §6.1), for what came back. nfdump maps the reverse element to its "out bytes".
 */

/** Information Element ids used here (IANA "IPFIX Information Elements" registry). */
export const IE = {
  octetDeltaCount: 1,
  protocolIdentifier: 4,
  sourceIPv4Address: 8,
  destinationTransportPort: 11,
  destinationIPv4Address: 12,
  sourceIPv6Address: 27,
  destinationIPv6Address: 28,
  flowStartMilliseconds: 152,
  flowEndMilliseconds: 153,
  firewallEvent: 233,
  userName: 371,
} as const;

/** RFC 5103 §6.1: the Private Enterprise Number that marks an element as the reverse direction. */
export const REVERSE_PEN = 29305;
/** RFC 7011 §7: a Field Specifier length of 65535 announces a variable-length field. */
export const VARLEN = 65535;
/** RFC 7011 §3.1: IPFIX Message header "Version" (0x000a). */
export const IPFIX_VERSION = 10;
/** RFC 7011 §3.3.2: Set ID 2 is a Template Set; Data Sets use Template IDs from 256. */
export const TEMPLATE_SET_ID = 2;
const FIRST_TEMPLATE_ID = 256;
const MESSAGE_HEADER = 16; // §3.1
const SET_HEADER = 4; // §3.3.2

/** firewallEvent values (IANA, IE 233) for a proxied flow. */
export const FIREWALL_EVENT = { deleted: 2, denied: 3 } as const;

/** One Field Specifier (RFC 7011 §3.2). */
export interface FieldSpec {
  readonly id: number;
  readonly length: number;
  /** Private Enterprise Number, or 0 for an IANA element (enterprise bit clear). */
  readonly pen: number;
}

/** A flow ready to encode: addresses as network-order bytes (4 or 16), or null to leave them out. */
export interface IpfixFlow {
  readonly start: number;
  readonly end: number;
  readonly source: Uint8Array | null;
  readonly destination: Uint8Array | null;
  readonly destinationPort: number;
  readonly protocol: number;
  readonly bytesOut: number;
  readonly bytesIn: number;
  /** The subscriber pseudonym; "" when unknown (a zero-length variable field). */
  readonly userName: string;
  readonly firewallEvent: number;
}

type Family = 0 | 4 | 6;
const FAMILIES: readonly Family[] = [0, 4, 6];

function familyOf(a: Uint8Array | null): Family {
  return a === null ? 0 : a.length === 4 ? 4 : 6;
}

function templateIndex(src: Family, dst: Family): number {
  return FAMILIES.indexOf(src) * 3 + FAMILIES.indexOf(dst);
}

/** The Field Specifiers of the Template for one shape, in Data Record order. */
export function templateFields(src: Family, dst: Family): FieldSpec[] {
  const f = (id: number, length: number, pen = 0): FieldSpec => ({ id, length, pen });
  const fields = [f(IE.flowStartMilliseconds, 8), f(IE.flowEndMilliseconds, 8)];
  if (src === 4) fields.push(f(IE.sourceIPv4Address, 4));
  if (src === 6) fields.push(f(IE.sourceIPv6Address, 16));
  if (dst === 4) fields.push(f(IE.destinationIPv4Address, 4));
  if (dst === 6) fields.push(f(IE.destinationIPv6Address, 16));
  fields.push(
    f(IE.destinationTransportPort, 2),
    f(IE.protocolIdentifier, 1),
    f(IE.octetDeltaCount, 8),
    f(IE.octetDeltaCount, 8, REVERSE_PEN),
    f(IE.firewallEvent, 1),
    f(IE.userName, VARLEN),
  );
  return fields;
}

/** Settings of the encoder. */
export interface IpfixEncoderOptions {
  readonly observationDomain: number;
  /** Largest message produced (RFC 7011 §10.3.3 for UDP); at most 65535 (the 16-bit length, §3.1). */
  readonly maxMessageBytes: number;
  /** When false, templates without a source address are the only ones announced. */
  readonly includeAddress: boolean;
}

/** Stateful IPFIX encoder: owns the Sequence Number of its Transport Session (RFC 7011 §3.1). */
export class IpfixEncoder {
  readonly #o: IpfixEncoderOptions;
  readonly #templateSet: Buffer;
  #sequence = 0;

  constructor(o: IpfixEncoderOptions) {
    if (o.maxMessageBytes > 65535 || o.maxMessageBytes < 512) {
      throw new RangeError(`ipfix: maxMessageBytes must be 512..65535, got ${o.maxMessageBytes}`);
    }
    this.#o = o;
    this.#templateSet = encodeTemplateSet(o.includeAddress ? FAMILIES : [0]);
  }

  /** Data Records sent so far (mod 2^32): the next message's Sequence Number. */
  get sequence(): number {
    return this.#sequence;
  }

  /** Restarts the sequence (a new Transport Session, e.g. a TCP reconnect: §10.4.2). */
  resetSession(): void {
    this.#sequence = 0;
  }

  /** A message carrying only the Template Set (RFC 7011 §8: templates before the data they describe). */
  templatesMessage(exportTimeSec: number): Buffer {
    return this.#message([this.#templateSet], exportTimeSec, 0);
  }

  /**
   * Encodes `flows` into as many messages as needed, none above `maxMessageBytes`; the first
   * starts with the Template Set when `withTemplates`. A flow too large for any message (a
   * userName of many kilobytes) is truncated to what fits rather than lost.
   */
  encode(flows: readonly IpfixFlow[], exportTimeSec: number, withTemplates: boolean): Buffer[] {
    const messages: Buffer[] = [];
    const max = this.#o.maxMessageBytes;
    const room = max - MESSAGE_HEADER - SET_HEADER;
    let sets: Buffer[] = withTemplates ? [this.#templateSet] : [];
    let size = MESSAGE_HEADER + (withTemplates ? this.#templateSet.length : 0);
    let records = 0;
    let setId = -1; // the Data Set being filled, or -1
    let parts: Buffer[] = [];
    let setBytes = 0;
    const closeSet = () => {
      if (setId >= 0) sets.push(dataSet(setId, parts, setBytes));
      setId = -1;
      parts = [];
      setBytes = 0;
    };
    for (const flow of flows) {
      const src = this.#o.includeAddress ? familyOf(flow.source) : 0;
      const id = FIRST_TEMPLATE_ID + templateIndex(src, familyOf(flow.destination));
      const record = encodeRecord(flow, this.#o.includeAddress, room);
      if (size + record.length + (setId === id ? 0 : SET_HEADER) > max) {
        closeSet();
        if (sets.length > 0) messages.push(this.#message(sets, exportTimeSec, records));
        sets = [];
        size = MESSAGE_HEADER;
        records = 0;
      }
      if (setId !== id) {
        closeSet();
        setId = id;
        size += SET_HEADER;
      }
      parts.push(record);
      setBytes += record.length;
      size += record.length;
      records++;
    }
    closeSet();
    if (sets.length > 0) messages.push(this.#message(sets, exportTimeSec, records));
    return messages;
  }

  /** RFC 7011 §3.1 header; the Sequence Number counts Data Records sent BEFORE this message. */
  #message(sets: readonly Buffer[], exportTimeSec: number, dataRecords: number): Buffer {
    const length = sets.reduce((n, s) => n + s.length, MESSAGE_HEADER);
    const head = Buffer.alloc(MESSAGE_HEADER);
    head.writeUInt16BE(IPFIX_VERSION, 0);
    head.writeUInt16BE(length, 2);
    head.writeUInt32BE(exportTimeSec >>> 0, 4);
    head.writeUInt32BE(this.#sequence, 8);
    head.writeUInt32BE(this.#o.observationDomain >>> 0, 12);
    this.#sequence = (this.#sequence + dataRecords) % 0x1_0000_0000;
    return Buffer.concat([head, ...sets], length);
  }
}

/** RFC 7011 §3.4.1 Template Records in one Template Set (§3.3.2 Set ID 2). */
function encodeTemplateSet(sources: readonly Family[]): Buffer {
  const parts: Buffer[] = [];
  for (const src of sources) {
    for (const dst of FAMILIES) {
      const fields = templateFields(src, dst);
      const rec = Buffer.alloc(4 + fields.reduce((n, f) => n + (f.pen ? 8 : 4), 0));
      rec.writeUInt16BE(FIRST_TEMPLATE_ID + templateIndex(src, dst), 0);
      rec.writeUInt16BE(fields.length, 2);
      let at = 4;
      for (const f of fields) {
        // §3.2: the enterprise bit (0x8000) says a 4-byte Enterprise Number follows.
        rec.writeUInt16BE(f.pen ? f.id | 0x8000 : f.id, at);
        rec.writeUInt16BE(f.length, at + 2);
        at += 4;
        if (f.pen) {
          rec.writeUInt32BE(f.pen, at);
          at += 4;
        }
      }
      parts.push(rec);
    }
  }
  return dataSet(
    TEMPLATE_SET_ID,
    parts,
    parts.reduce((n, p) => n + p.length, 0),
  );
}

function dataSet(id: number, parts: readonly Buffer[], bytes: number): Buffer {
  const head = Buffer.alloc(SET_HEADER);
  head.writeUInt16BE(id, 0);
  head.writeUInt16BE(SET_HEADER + bytes, 2); // §3.3.2: the length includes the Set Header
  return Buffer.concat([head, ...parts], SET_HEADER + bytes);
}

/** One Data Record (§3.4.3), fields in `templateFields` order; userName cut to fit `room`. */
function encodeRecord(flow: IpfixFlow, includeAddress: boolean, room: number): Buffer {
  const src = includeAddress ? flow.source : null;
  const fixed = 8 + 8 + (src?.length ?? 0) + (flow.destination?.length ?? 0) + 2 + 1 + 8 + 8 + 1;
  let name = Buffer.from(flow.userName, 'utf8');
  const maxName = Math.min(65535, room - fixed - 3);
  if (name.length > maxName) name = name.subarray(0, Math.max(0, maxName));
  // §7: a variable-length field is prefixed by one length byte, or 255 and a 2-byte length.
  const prefix = name.length < 255 ? 1 : 3;
  const buf = Buffer.alloc(fixed + prefix + name.length);
  let at = 0;
  buf.writeBigUInt64BE(BigInt(Math.max(0, Math.trunc(flow.start))), at);
  buf.writeBigUInt64BE(BigInt(Math.max(0, Math.trunc(flow.end))), at + 8);
  at += 16;
  for (const addr of [src, flow.destination]) {
    if (addr) {
      buf.set(addr, at);
      at += addr.length;
    }
  }
  buf.writeUInt16BE(flow.destinationPort & 0xffff, at);
  buf.writeUInt8(flow.protocol & 0xff, at + 2);
  buf.writeBigUInt64BE(BigInt(Math.max(0, Math.trunc(flow.bytesOut))), at + 3);
  buf.writeBigUInt64BE(BigInt(Math.max(0, Math.trunc(flow.bytesIn))), at + 11);
  buf.writeUInt8(flow.firewallEvent & 0xff, at + 19);
  at += 20;
  if (prefix === 1) buf.writeUInt8(name.length, at);
  else {
    buf.writeUInt8(255, at);
    buf.writeUInt16BE(name.length, at + 1);
  }
  buf.set(name, at + prefix);
  return buf;
}

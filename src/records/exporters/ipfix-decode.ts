/**
 * A small IPFIX decoder (RFC 7011): enough to read back what `ipfix-codec.ts` writes, for
 * round-trip tests and for checking what a collector received. It validates every length and
 * throws a RangeError on malformed input rather than reading past a boundary.
 */
import { type FieldSpec, IPFIX_VERSION, TEMPLATE_SET_ID, VARLEN } from './ipfix-codec.js';

/** One decoded message. */
export interface DecodedMessage {
  readonly length: number;
  readonly exportTime: number;
  readonly sequence: number;
  readonly observationDomain: number;
  readonly templateIds: number[];
  /** Data Records: field key (`id` or `pen/id`) → raw bytes. */
  readonly records: Array<{ templateId: number; fields: Map<string, Buffer> }>;
}

/** The field key used in `DecodedMessage.records`: `"1"` for IANA elements, `"29305/1"` otherwise. */
export function fieldKey(f: { id: number; pen: number }): string {
  return f.pen ? `${f.pen}/${f.id}` : String(f.id);
}

/** Decodes messages against templates learned so far (the map persists across calls, like a session). */
export class IpfixDecoder {
  readonly templates = new Map<number, FieldSpec[]>();

  /** Decodes one message; throws RangeError when a length is inconsistent. */
  decode(msg: Buffer): DecodedMessage {
    if (msg.length < 16)
      throw new RangeError(`ipfix: message of ${msg.length} bytes is shorter than its header`);
    const version = msg.readUInt16BE(0);
    const length = msg.readUInt16BE(2);
    if (version !== IPFIX_VERSION) throw new RangeError(`ipfix: version ${version}`);
    if (length !== msg.length) throw new RangeError(`ipfix: header length ${length} != ${msg.length}`);
    const out: DecodedMessage = {
      length,
      exportTime: msg.readUInt32BE(4),
      sequence: msg.readUInt32BE(8),
      observationDomain: msg.readUInt32BE(12),
      templateIds: [],
      records: [],
    };
    let at = 16;
    while (at < length) {
      if (at + 4 > length) throw new RangeError('ipfix: truncated set header');
      const id = msg.readUInt16BE(at);
      const setLength = msg.readUInt16BE(at + 2);
      if (setLength < 4 || at + setLength > length) throw new RangeError(`ipfix: set length ${setLength}`);
      const body = msg.subarray(at + 4, at + setLength);
      if (id === TEMPLATE_SET_ID) this.#templateSet(body, out);
      else if (id >= 256) this.#dataSet(id, body, out);
      at += setLength;
    }
    return out;
  }

  #templateSet(body: Buffer, out: DecodedMessage): void {
    let at = 0;
    while (at + 4 <= body.length) {
      const id = body.readUInt16BE(at);
      const count = body.readUInt16BE(at + 2);
      at += 4;
      const fields: FieldSpec[] = [];
      for (let i = 0; i < count; i++) {
        if (at + 4 > body.length) throw new RangeError('ipfix: truncated template');
        const raw = body.readUInt16BE(at);
        const fieldLength = body.readUInt16BE(at + 2);
        at += 4;
        let pen = 0;
        if (raw & 0x8000) {
          if (at + 4 > body.length) throw new RangeError('ipfix: truncated enterprise number');
          pen = body.readUInt32BE(at);
          at += 4;
        }
        fields.push({ id: raw & 0x7fff, length: fieldLength, pen });
      }
      this.templates.set(id, fields);
      out.templateIds.push(id);
    }
  }

  #dataSet(id: number, body: Buffer, out: DecodedMessage): void {
    const fields = this.templates.get(id);
    if (!fields) throw new RangeError(`ipfix: data set for unknown template ${id}`);
    let at = 0;
    // §3.3.1: trailing bytes shorter than the smallest record are padding.
    const minimum = fields.reduce((n, f) => n + (f.length === VARLEN ? 1 : f.length), 0);
    while (body.length - at >= minimum && minimum > 0) {
      const map = new Map<string, Buffer>();
      for (const f of fields) {
        let n = f.length;
        if (n === VARLEN) {
          if (at + 1 > body.length) throw new RangeError('ipfix: truncated variable length');
          n = body.readUInt8(at);
          at += 1;
          if (n === 255) {
            if (at + 2 > body.length) throw new RangeError('ipfix: truncated variable length');
            n = body.readUInt16BE(at);
            at += 2;
          }
        }
        if (at + n > body.length) throw new RangeError(`ipfix: field ${fieldKey(f)} runs past its set`);
        map.set(fieldKey(f), body.subarray(at, at + n));
        at += n;
      }
      out.records.push({ templateId: id, fields: map });
    }
  }
}

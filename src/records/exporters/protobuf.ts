/**
 * The few Protocol Buffers wire-format pieces dnstap needs, written here without a dependency:
 * base-128 varints, length-delimited fields and fixed32 (protobuf "Encoding" guide: wire types
 * 0 VARINT, 2 LEN, 5 I32; a tag is `field_number << 3 | wire_type`). A reader is included for
 * round-trip tests and for checking what a collector received.
 */

const VARINT = 0;
const LEN = 2;
const I32 = 5;

/** Appends protobuf fields to a growing list of chunks; `finish()` joins them. */
export class ProtoWriter {
  readonly #chunks: Uint8Array[] = [];
  #length = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  #push(b: Uint8Array): void {
    this.#chunks.push(b);
    this.#length += b.length;
  }

  /** A varint field (enums, uint32, uint64 up to 2^53). */
  varint(field: number, value: number): this {
    this.#push(encodeVarint((field << 3) | VARINT));
    this.#push(encodeVarint(value));
    return this;
  }

  /** A length-delimited field: bytes, a string (UTF-8) or an embedded message. */
  bytes(field: number, value: Uint8Array | string): this {
    const b = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    this.#push(encodeVarint((field << 3) | LEN));
    this.#push(encodeVarint(b.length));
    this.#push(b);
    return this;
  }

  /** A fixed32 field (little-endian, as the wire format says). */
  fixed32(field: number, value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0, 0);
    this.#push(encodeVarint((field << 3) | I32));
    this.#push(b);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.#chunks, this.#length);
  }
}

/** Encodes a non-negative integer (≤ 2^53 - 1) as a base-128 varint, low groups first. */
export function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`varint: expected 0..2^53-1, got ${value}`);
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** One decoded field: varints and fixed32 as numbers, length-delimited as bytes. */
export interface ProtoField {
  readonly field: number;
  readonly wireType: number;
  readonly value: number | Buffer;
}

/** Decodes one message's fields (not nested); throws RangeError on truncated or unsupported input. */
export function readFields(buf: Buffer): ProtoField[] {
  const out: ProtoField[] = [];
  let at = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (at >= buf.length) throw new RangeError('protobuf: truncated varint');
      const byte = buf[at++] as number;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 0x80;
    }
    throw new RangeError('protobuf: varint longer than 53 bits');
  };
  while (at < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (field === 0) throw new RangeError('protobuf: field number 0');
    if (wireType === VARINT) out.push({ field, wireType, value: varint() });
    else if (wireType === LEN) {
      const n = varint();
      if (at + n > buf.length) throw new RangeError(`protobuf: field ${field} runs past the message`);
      out.push({ field, wireType, value: buf.subarray(at, at + n) });
      at += n;
    } else if (wireType === I32) {
      if (at + 4 > buf.length) throw new RangeError('protobuf: truncated fixed32');
      out.push({ field, wireType, value: buf.readUInt32LE(at) });
      at += 4;
    } else throw new RangeError(`protobuf: unsupported wire type ${wireType}`);
  }
  return out;
}

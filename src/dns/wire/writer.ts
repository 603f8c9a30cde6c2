/**
 * A growable big-endian writer over one Buffer, with RFC 1035 §4.1.4 name compression,
 * for the response builders. Responses are small: one allocation, rarely a second.
 */
import { GatehouseError } from '../../core/errors.js';
import { nameToLabels, readName } from './name.js';

const MAX_POINTER = 0x3fff;

/** Writes a DNS message front to back. */
export class Writer {
  buf: Buffer;
  pos = 0;
  // Lowercase text suffix → offset of its first label, for compression.
  readonly #names = new Map<string, number>();

  constructor(size = 512) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Writes one byte. */
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  /** Writes a 16-bit big-endian value. */
  u16(v: number): void {
    this.ensure(2);
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
  }

  /** Writes a 32-bit big-endian value. */
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }

  /** Copies `src[from, to)`. */
  bytes(src: Uint8Array, from = 0, to = src.length): void {
    this.ensure(to - from);
    this.buf.set(src.subarray(from, to), this.pos);
    this.pos += to - from;
  }

  /** Overwrites a 16-bit value at `at` (for counts and RDLENGTH fixed up afterwards). */
  patch16(at: number, v: number): void {
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
  }

  /**
   * Registers the uncompressed wire name at `src[off]`, already copied to `at` in this
   * message (the echoed question), so later names can point at its suffixes.
   */
  registerWireName(src: Uint8Array, off: number, at: number): void {
    let o = off;
    while (src[o] !== 0 && at + (o - off) <= MAX_POINTER) {
      const text = readName(src, o, src.length);
      if (text === null) return;
      if (!this.#names.has(text)) this.#names.set(text, at + (o - off));
      o += src[o] + 1;
    }
  }

  /**
   * Writes a text name, pointing at the longest suffix already written (RFC 1035 §4.1.4).
   * Throws GH_ERR_DNS_ENCODE for names that cannot go on the wire: they come from config
   * or policy, which validate them first, so this is a programming error.
   */
  name(text: string, compress = true): void {
    const labels = nameToLabels(text);
    if (labels === null)
      throw new GatehouseError('GH_ERR_DNS_ENCODE', `encoding dns name: invalid name "${text}"`);
    const lower = text.toLowerCase().replace(/\.$/, '');
    let rest = lower;
    for (let i = 0; i < labels.length; i++) {
      const at = compress ? this.#names.get(rest) : undefined;
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (compress && this.pos <= MAX_POINTER) this.#names.set(rest, this.pos);
      this.u8(labels[i].length);
      this.bytes(labels[i]);
      rest = nextSuffix(rest);
    }
    this.u8(0);
  }

  /** The written message (a view, not a copy). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

// Drops the first label of a lowercase text name, honouring `\.` escapes.
function nextSuffix(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x2e) return text.slice(i + 1);
  }
  return '';
}

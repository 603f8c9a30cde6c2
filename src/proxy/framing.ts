/**
 * Where an HTTP/1.1 message body ends (RFC 9112 §6.3), without changing a byte of it: the proxy
 * relays bodies as received and only needs the boundary to keep connections alive.
 */

/** How a body is delimited. */
export type Framing =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }
  /** Until the sender closes (responses only, RFC 9112 §6.3 (8)). */
  | { readonly kind: 'close' };

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = i;
for (let i = 10; i < 16; i++) HEX['ABCDEF'.charCodeAt(i - 10)] = i;

// Framer states.
const S = {
  Size: 0,
  Ext: 1,
  SizeLf: 2,
  Data: 3,
  DataCr: 4,
  DataLf: 5,
  TrailerStart: 6,
  TrailerLf: 7,
  Trailer: 8,
  Done: 9,
} as const;
type State = (typeof S)[keyof typeof S];

// Limits on the lines the framer walks: a chunk-size line (with extensions) or a trailer line.
const MAX_LINE = 8192;

/** Follows one body; `push` says how much of each chunk belongs to it. */
export class BodyFramer {
  #state: State;
  #left: number;
  #digits = 0;
  #line = 0;
  readonly #close: boolean;
  readonly #chunked: boolean;

  constructor(framing: Framing) {
    this.#close = framing.kind === 'close';
    this.#chunked = framing.kind === 'chunked';
    this.#left = framing.kind === 'length' ? framing.length : 0;
    this.#state =
      framing.kind === 'chunked'
        ? S.Size
        : framing.kind === 'length'
          ? framing.length > 0
            ? S.Data
            : S.Done
          : framing.kind === 'none'
            ? S.Done
            : S.Data;
  }

  /** True once the body is complete (never for close-delimited bodies). */
  get done(): boolean {
    return this.#state === S.Done;
  }

  /** Bytes at the start of `chunk` that belong to the body; -1 when the chunked framing is malformed. */
  push(chunk: Uint8Array): number {
    if (this.#close) return chunk.length;
    let i = 0;
    while (i < chunk.length && this.#state !== S.Done) {
      if (this.#state === S.Data) {
        const n = Math.min(this.#left, chunk.length - i);
        i += n;
        this.#left -= n;
        if (this.#left === 0) this.#state = this.#chunked ? S.DataCr : S.Done;
        continue;
      }
      if (!this.#byte(chunk[i++])) return -1;
    }
    return i;
  }

  // RFC 9112 §7.1: chunk-size [chunk-ext] CRLF chunk-data CRLF … last-chunk trailer-section CRLF.
  // A bare LF is accepted where CRLF is expected (§2.2); anything else is refused.
  #byte(c: number): boolean {
    if (++this.#line > MAX_LINE) return false;
    switch (this.#state) {
      case S.Size: {
        const h = HEX[c];
        if (h >= 0 && this.#digits < 15) {
          this.#left = this.#left * 16 + h;
          this.#digits++;
          return true;
        }
        if (this.#digits === 0) return false;
        if (c === 0x3b || c === 0x20 || c === 0x09) this.#state = S.Ext;
        else if (c === 0x0d) this.#state = S.SizeLf;
        else if (c === 0x0a) this.#sizeLine();
        else return false;
        return true;
      }
      case S.Ext:
        if (c === 0x0a) this.#sizeLine();
        return true;
      case S.SizeLf:
        if (c !== 0x0a) return false;
        this.#sizeLine();
        return true;
      case S.DataCr:
        if (c === 0x0d) this.#state = S.DataLf;
        else if (c === 0x0a) this.#nextChunk();
        else return false;
        return true;
      case S.DataLf:
        if (c !== 0x0a) return false;
        this.#nextChunk();
        return true;
      case S.TrailerStart:
        if (c === 0x0d) this.#state = S.TrailerLf;
        else if (c === 0x0a) this.#state = S.Done;
        else this.#state = S.Trailer;
        return true;
      case S.TrailerLf:
        if (c !== 0x0a) return false;
        this.#state = S.Done;
        return true;
      case S.Trailer:
        if (c === 0x0a) {
          this.#state = S.TrailerStart;
          this.#line = 0;
        }
        return true;
      default:
        return false;
    }
  }

  #sizeLine(): void {
    this.#line = 0;
    this.#state = this.#left === 0 ? S.TrailerStart : S.Data;
    this.#digits = 0;
  }

  #nextChunk(): void {
    this.#line = 0;
    this.#left = 0;
    this.#state = S.Size;
  }
}

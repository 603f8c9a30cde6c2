/**
 * The few wire facts forwarding needs, read straight from the buffer: ID, flags, RCODE and the
 * question. Deliberately minimal and private to upstreams (the full codec lives in `dns/wire`).
 */

import { randomFillSync } from 'node:crypto';

/** RCODE values forwarding reacts to (RFC 1035 §4.1.1). */
export const RCODE = { noError: 0, formErr: 1, servFail: 2, nxDomain: 3, notImp: 4, refused: 5 } as const;

/** The DNS header is 12 octets (RFC 1035 §4.1.1). */
export const HEADER_LENGTH = 12;

/** The message ID (first two octets). */
export function readId(msg: Uint8Array): number {
  return (msg[0] << 8) | msg[1];
}

/** Writes the message ID in place. */
export function writeId(msg: Uint8Array, id: number): void {
  msg[0] = id >>> 8;
  msg[1] = id & 0xff;
}

/** True when QR=1: the message is a response. */
export function isResponse(msg: Uint8Array): boolean {
  return (msg[2] & 0x80) !== 0;
}

/** True when TC=1: the answer was truncated and must be asked again over TCP (RFC 1035 §4.2.1). */
export function isTruncated(msg: Uint8Array): boolean {
  return (msg[2] & 0x02) !== 0;
}

/** The 4-bit RCODE of the header. */
export function rcodeOf(msg: Uint8Array): number {
  return msg[3] & 0x0f;
}

/**
 * The question as a comparable key: the owner name in lowercase wire form, then QTYPE and QCLASS,
 * or null when the message has not exactly one well-formed question. Compression pointers are
 * followed (a response may compress its question name); loops and overruns yield null.
 * RFC 5452 §9.1: an answer is accepted only if its question matches the one we asked.
 */
export function questionKey(msg: Uint8Array): string | null {
  if (msg.length < HEADER_LENGTH + 5) return null;
  if (((msg[4] << 8) | msg[5]) !== 1) return null;
  let key = '';
  let pos = HEADER_LENGTH;
  let end = -1;
  let jumps = 0;
  for (;;) {
    if (pos >= msg.length) return null;
    const len = msg[pos];
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= msg.length || ++jumps > 16) return null;
      if (end < 0) end = pos + 2;
      pos = ((len & 0x3f) << 8) | msg[pos + 1];
      continue;
    }
    if ((len & 0xc0) !== 0 || pos + 1 + len > msg.length) return null;
    key += String.fromCharCode(len);
    for (let i = pos + 1; i <= pos + len; i++) {
      const c = msg[i];
      // ASCII case-insensitive, as names compare (RFC 4343 §3).
      key += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 32 : c);
    }
    if (key.length > 255) return null;
    pos += 1 + len;
  }
  if (end + 4 > msg.length) return null;
  return `${key}\0${msg[end]}.${msg[end + 1]}.${msg[end + 2]}.${msg[end + 3]}`;
}

/** Builds a recursive query (RD=1) for one name and type, class IN. Used by health probes. */
export function buildQuery(name: string, qtype: number, id: number): Buffer {
  const labels = name === '.' || name === '' ? [] : name.replace(/\.$/, '').split('.');
  const nameLength = labels.reduce((n, l) => n + 1 + Buffer.byteLength(l), 1);
  const msg = Buffer.alloc(HEADER_LENGTH + nameLength + 4);
  writeId(msg, id);
  msg[2] = 0x01; // RD
  msg[5] = 1; // QDCOUNT
  let pos = HEADER_LENGTH;
  for (const label of labels) {
    pos = msg.writeUInt8(Buffer.byteLength(label), pos);
    pos += msg.write(label, pos, 'ascii');
  }
  pos = msg.writeUInt8(0, pos);
  pos = msg.writeUInt16BE(qtype, pos);
  msg.writeUInt16BE(1, pos);
  return msg;
}

/**
 * Unpredictable 16-bit message IDs from the CSPRNG, drawn in batches so the hot path does not
 * call into crypto per query. RFC 5452 §4.3: the ID must not be guessable.
 */
export class IdSource {
  readonly #pool = new Uint16Array(2048);
  #next = this.#pool.length;

  /** The next random ID. */
  next(): number {
    if (this.#next === this.#pool.length) {
      randomFillSync(this.#pool);
      this.#next = 0;
    }
    return this.#pool[this.#next++];
  }

  /** A random ID not already a key of `used`, or -1 when the ID space is (nearly) exhausted. */
  unused(used: ReadonlyMap<number, unknown>): number {
    if (used.size >= 0xff00) return -1;
    for (;;) {
      const id = this.next();
      if (!used.has(id)) return id;
    }
  }
}

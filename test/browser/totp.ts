/**
 * TOTP codes for browser tests, computed independently of the code under test:
 * RFC 6238 (time step over RFC 4226 HOTP, HMAC-SHA-1, dynamic truncation) with node:crypto.
 */
import { createHmac } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 §6 base32, padding and case ignored. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=-]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new Error(`base32: bad character ${JSON.stringify(ch)}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 4226 §5.3: HOTP value for `counter`. */
export function hotp(key: Buffer, counter: number, digits = 6): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 10 ** digits).padStart(digits, '0');
}

/** A TOTP generator for one secret that never hands out the same time step twice (servers refuse replays). */
export class Totp {
  readonly #key: Buffer;
  readonly #period: number;
  #last = -1;
  constructor(secretBase32: string, period = 30) {
    this.#key = base32Decode(secretBase32);
    this.#period = period;
  }

  /** RFC 6238 §4.2: T = floor(now / X); waits for the next step when this one was used already. */
  async next(): Promise<string> {
    let step = Math.floor(Date.now() / 1000 / this.#period);
    while (step <= this.#last) {
      await new Promise((r) => setTimeout(r, 500));
      step = Math.floor(Date.now() / 1000 / this.#period);
    }
    this.#last = step;
    return hotp(this.#key, step);
  }
}

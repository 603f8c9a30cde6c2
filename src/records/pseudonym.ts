/**
 * Pseudonyms: records name a subscriber only by a keyed HMAC whose key changes every epoch
 * (a day by default). Within an epoch one subscriber has one pseudonym, so records link up for
 * analysis and lawful access; across epochs they do not; and destroying an epoch's key (the
 * retention job) makes that epoch's records unlinkable to anyone, the operator included.
 *
 *   pseudonym = "p" + epoch + "-" + base32(HMAC-SHA256(key[epoch], isp ‖ 0x00 ‖ subscriber))[0..20]
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Options of the pseudonymiser. */
export interface PseudonymOptions {
  /** Where epoch keys live (`<dataDir>/keys/pseudonym`), one file per epoch, mode 0600. */
  readonly keyDir: string;
  /** Epoch length in milliseconds (default one day). */
  readonly epochMs?: number;
  readonly now?: () => number;
}

/** Turns (ISP, subscriber) into the current epoch's pseudonym. */
export interface Pseudonymiser {
  pseudonym(isp: string, subscriber: string): string;
  /** The epoch number now (pseudonyms change when it does). */
  epoch(): number;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Buffer, chars: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

function loadKey(dir: string, epoch: number): Buffer {
  const file = join(dir, `epoch-${epoch}.key`);
  try {
    return readFileSync(file);
  } catch {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const key = randomBytes(32);
    // wx: two processes creating the same epoch's key at once must not overwrite each other.
    try {
      writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
      return key;
    } catch {
      return readFileSync(file);
    }
  }
}

/** Creates a pseudonymiser whose keys rotate every epoch. */
export function createPseudonymiser(o: PseudonymOptions): Pseudonymiser {
  const epochMs = o.epochMs ?? 86_400_000;
  const now = o.now ?? Date.now;
  let current = -1;
  let key: Buffer = Buffer.alloc(0);
  const epoch = () => Math.floor(now() / epochMs);
  return {
    epoch,
    pseudonym(isp, subscriber) {
      const e = epoch();
      if (e !== current) {
        key = loadKey(o.keyDir, e);
        current = e;
      }
      const mac = createHmac('sha256', key).update(isp).update('\0').update(subscriber).digest();
      return `p${e}-${base32(mac, 20)}`;
    },
  };
}

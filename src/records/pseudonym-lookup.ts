/**
 * Past pseudonyms, for lawful access: which pseudonym a subscriber had in an earlier epoch, computed
 * from that epoch's key file exactly as `pseudonym.ts` computes it live. Unlike the live path, a
 * missing key is never created: a fresh key would yield a pseudonym that matches no record. A key
 * that is gone (or was zeroed by its destruction) makes the epoch unlinkable, and the answer is null.
 *
 *   pseudonym = "p" + epoch + "-" + base32(HMAC-SHA256(key[epoch], isp ‖ 0x00 ‖ subscriber))[0..20]
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochKeyStore } from './epoch-keys.js';

/** Default epoch length (a day), as in `pseudonym.ts`. */
export const EPOCH_MS = 86_400_000;

// RFC 4648 §6 alphabet, lowercase, no padding.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array, chars: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** The pseudonym of (isp, subscriber) under `key` in `epoch`: a pure function. */
export function pseudonymFromKey(key: Uint8Array, epoch: number, isp: string, subscriber: string): string {
  const mac = createHmac('sha256', key).update(isp).update('\0').update(subscriber).digest();
  return `p${epoch}-${base32(mac, 20)}`;
}

/** The epoch a time falls in. */
export function epochOf(time: number, epochMs = EPOCH_MS): number {
  return Math.floor(time / epochMs);
}

/** Every epoch that overlaps the window [`from`, `to`), ascending. */
export function epochsIn(from: number, to: number, epochMs = EPOCH_MS): number[] {
  const out: number[] = [];
  for (let e = epochOf(from, epochMs); e <= epochOf(to - 1, epochMs); e++) out.push(e);
  return out;
}

/**
 * The pseudonym (isp, subscriber) had in `epoch`, read from `<keyDir>/epoch-N.key`; null when that
 * key no longer exists (destroyed by retention, or never made because nothing was recorded).
 */
export function pastPseudonym(keyDir: string, epoch: number, isp: string, subscriber: string): string | null {
  let key: Buffer;
  try {
    key = readFileSync(join(keyDir, `epoch-${epoch}.key`));
  } catch {
    return null;
  }
  if (key.length === 0 || key.every((b) => b === 0)) return null;
  return pseudonymFromKey(key, epoch, isp, subscriber);
}

/**
 * The pseudonym (isp, subscriber) had in `epoch`, from the key store the records' nodes share
 * (epoch-keys.ts: the key files, or the PostgreSQL table when records are there); null when that
 * key no longer exists. Never creates a key.
 */
export async function pastPseudonymFrom(
  keys: Pick<EpochKeyStore, 'get'>,
  epoch: number,
  isp: string,
  subscriber: string,
): Promise<string | null> {
  const key = await keys.get(epoch);
  if (key === null || key.length === 0 || key.every((b) => b === 0)) return null;
  return pseudonymFromKey(key, epoch, isp, subscriber);
}

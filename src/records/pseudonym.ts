/**
 * Pseudonyms: records name a subscriber only by a keyed HMAC whose key changes every epoch
 * (a day by default). Within an epoch one subscriber has one pseudonym, so records link up for
 * analysis and lawful access; across epochs they do not; and destroying an epoch's key (the
 * retention job) makes that epoch's records unlinkable to anyone, the operator included.
 *
 *   pseudonym = "p" + epoch + "-" + base32(HMAC-SHA256(key[epoch], isp ‖ 0x00 ‖ subscriber))[0..20]
 */
import { createHmac } from 'node:crypto';
import { fileEpochKeys } from './epoch-keys.js';

export { destroyEpochKey, type EpochKey, listEpochKeys } from './epoch-keys.js';

/**
 * Keys as the live path reads them: synchronously, never over the network. The file store reads
 * (or makes) the file; the shared store answers from keys loaded ahead of time (epoch-key-cache.ts).
 */
export interface LiveEpochKeys {
  /** The key to pseudonymise with in `epoch` (the current one), or null when none is at hand. */
  live(epoch: number): Buffer | null;
  /** An existing key of `epoch`, never created; null when gone or not at hand. */
  existing(epoch: number): Buffer | null;
}

/** Options of the pseudonymiser: `keyDir` (files, the single-node default) or `keys`. */
export interface PseudonymOptions {
  /** Where epoch keys live (`<dataDir>/keys/pseudonym`), one file per epoch, mode 0600. */
  readonly keyDir?: string;
  /** Keys loaded ahead of time from a shared store; replaces `keyDir`. */
  readonly keys?: LiveEpochKeys;
  /** Epoch length in milliseconds (default one day). */
  readonly epochMs?: number;
  readonly now?: () => number;
}

/**
 * Turns (ISP, subscriber) into the current epoch's pseudonym. With shared keys, null when the
 * epoch's key could not be loaded in time: the record then carries no pseudonym (counted by the
 * key cache), never one made with a key of this node's own that no other node would share.
 */
export interface Pseudonymiser<P extends string | null = string | null> {
  pseudonym(isp: string, subscriber: string): P;
  /** The epoch number now (pseudonyms change when it does). */
  epoch(): number;
  /**
   * The pseudonym (ISP, subscriber) had at `time`, or null when that epoch's key no longer exists
   * (destroyed by retention, or never made): a past epoch's key is never created afresh, since a
   * new key would yield pseudonyms that match no record.
   */
  pseudonymAt(isp: string, subscriber: string, time: number): string | null;
}

/** Default epoch length: a day. */
export const DEFAULT_EPOCH_MS = 86_400_000;

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

function liveKeysOf(o: PseudonymOptions): LiveEpochKeys {
  if (o.keys) return o.keys;
  if (o.keyDir === undefined) throw new TypeError('pseudonymiser: keyDir or keys needed');
  const files = fileEpochKeys(o.keyDir);
  return { live: files.getOrCreateSync, existing: files.getSync };
}

/** Creates a pseudonymiser whose keys rotate every epoch (over key files, it always has a key). */
export function createPseudonymiser(
  o: PseudonymOptions & { keyDir: string; keys?: undefined },
): Pseudonymiser<string>;
export function createPseudonymiser(o: PseudonymOptions): Pseudonymiser;
export function createPseudonymiser(o: PseudonymOptions): Pseudonymiser {
  const epochMs = o.epochMs ?? DEFAULT_EPOCH_MS;
  const now = o.now ?? Date.now;
  const keys = liveKeysOf(o);
  let current = -1;
  let key: Buffer | null = null;
  const epoch = () => Math.floor(now() / epochMs);
  const format = (k: Buffer, e: number, isp: string, subscriber: string) =>
    `p${e}-${base32(createHmac('sha256', k).update(isp).update('\0').update(subscriber).digest(), 20)}`;
  const pseudonym = (isp: string, subscriber: string): string | null => {
    const e = epoch();
    // A missing key is asked for again next time (it may have arrived); a found one is kept.
    if (e !== current || key === null) {
      key = keys.live(e);
      current = e;
    }
    return key === null ? null : format(key, e, isp, subscriber);
  };
  return {
    epoch,
    pseudonym,
    pseudonymAt(isp, subscriber, time) {
      const e = Math.floor(time / epochMs);
      if (e === epoch()) return pseudonym(isp, subscriber);
      const k = keys.existing(e);
      return k === null ? null : format(k, e, isp, subscriber);
    },
  };
}

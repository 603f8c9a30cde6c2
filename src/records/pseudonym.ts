/**
 * Pseudonyms: records name a subscriber only by a keyed HMAC whose key changes every epoch
 * (a day by default). Within an epoch one subscriber has one pseudonym, so records link up for
 * analysis and lawful access; across epochs they do not; and destroying an epoch's key (the
 * retention job) makes that epoch's records unlinkable to anyone, the operator included.
 *
 *   pseudonym = "p" + epoch + "-" + base32(HMAC-SHA256(key[epoch], isp ‖ 0x00 ‖ subscriber))[0..20]
 */
import { createHmac, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
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
  /**
   * The pseudonym (ISP, subscriber) had at `time`, or null when that epoch's key no longer exists
   * (destroyed by retention, or never made): a past epoch's key is never created afresh, since a
   * new key would yield pseudonyms that match no record.
   */
  pseudonymAt(isp: string, subscriber: string, time: number): string | null;
}

/** Default epoch length: a day. */
export const DEFAULT_EPOCH_MS = 86_400_000;

/** One epoch key on disk. */
export interface EpochKey {
  readonly epoch: number;
  readonly file: string;
}

const KEY_FILE = /^epoch-(\d+)\.key$/;

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

function keyFile(dir: string, epoch: number): string {
  return join(dir, `epoch-${epoch}.key`);
}

function loadKey(dir: string, epoch: number): Buffer {
  const file = keyFile(dir, epoch);
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
  const epochMs = o.epochMs ?? DEFAULT_EPOCH_MS;
  const now = o.now ?? Date.now;
  let current = -1;
  let key: Buffer = Buffer.alloc(0);
  const epoch = () => Math.floor(now() / epochMs);
  const format = (k: Buffer, e: number, isp: string, subscriber: string) =>
    `p${e}-${base32(createHmac('sha256', k).update(isp).update('\0').update(subscriber).digest(), 20)}`;
  const pseudonym = (isp: string, subscriber: string): string => {
    const e = epoch();
    if (e !== current) {
      key = loadKey(o.keyDir, e);
      current = e;
    }
    return format(key, e, isp, subscriber);
  };
  return {
    epoch,
    pseudonym,
    pseudonymAt(isp, subscriber, time) {
      const e = Math.floor(time / epochMs);
      if (e === epoch()) return pseudonym(isp, subscriber);
      let k: Buffer;
      try {
        k = readFileSync(keyFile(o.keyDir, e));
      } catch {
        return null;
      }
      // A destroyed key's file is zeroed before it is unlinked: treat a zero key as gone.
      return k.length === 0 || k.every((b) => b === 0) ? null : format(k, e, isp, subscriber);
    },
  };
}

/** The epoch keys in `keyDir`, oldest first (none when the directory does not exist). */
export function listEpochKeys(keyDir: string): EpochKey[] {
  let names: string[];
  try {
    names = readdirSync(keyDir);
  } catch {
    return [];
  }
  const keys: EpochKey[] = [];
  for (const name of names) {
    const m = KEY_FILE.exec(name);
    if (m) keys.push({ epoch: Number(m[1]), file: join(keyDir, name) });
  }
  return keys.sort((a, b) => a.epoch - b.epoch);
}

/**
 * Destroys an epoch key: overwrites the file with zeros and fsyncs it (so the key does not survive
 * in the file's blocks after an unlink on a filesystem that writes in place), unlinks it and
 * fsyncs the directory (so the unlink itself survives a crash). Copy-on-write filesystems and SSD
 * wear levelling may still keep old blocks: full-disk encryption is the operator's part.
 * Returns false when the key was already gone.
 */
export function destroyEpochKey(keyDir: string, epoch: number): boolean {
  const file = keyFile(keyDir, epoch);
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    writeSync(fd, Buffer.alloc(size), 0, size, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  unlinkSync(file);
  const dir = openSync(keyDir, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  return true;
}

/**
 * Where pseudonym epoch keys live (DESIGN principle 4). One contract, two places:
 *
 * - files in a node's data directory (`<dataDir>/keys/pseudonym/epoch-N.key`, mode 0600): the
 *   single-node default, and what a node uses while its records are local;
 * - a table in the PostgreSQL records database (epoch-keys-postgres.ts): when several nodes share
 *   records, they must share keys too, or one subscriber gets one pseudonym per node and a warrant
 *   run on one node cannot resolve the others' records.
 *
 * The pseudonymiser never awaits this store on the hot path: a file store is also readable
 * synchronously (`EpochKeyFiles`), a shared one is read ahead of time (epoch-key-cache.ts).
 */
import { randomBytes } from 'node:crypto';
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

/** Epoch keys, wherever they are kept. */
export interface EpochKeyStore {
  /** Where the keys are, for logs and `gatehouse records retention` (a password is never shown). */
  readonly where: string;
  /**
   * The key of `epoch`, made now when there is none. Two callers racing (two nodes) get the same
   * key. Only for the current and the next epoch: a past epoch's key is never created afresh.
   */
  getOrCreate(epoch: number): Promise<Buffer>;
  /** The key of `epoch`, or null when it does not exist (destroyed, or never made); never creates. */
  get(epoch: number): Promise<Buffer | null>;
  /** The epochs that have a key, ascending. */
  list(): Promise<number[]>;
  /** Destroys the key of `epoch`; false when it was already gone (another node destroyed it). */
  destroy(epoch: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The file store, which can also be read synchronously (the single-node hot path does). */
export interface EpochKeyFiles extends EpochKeyStore {
  readonly keyDir: string;
  getOrCreateSync(epoch: number): Buffer;
  getSync(epoch: number): Buffer | null;
}

/** One epoch key on disk. */
export interface EpochKey {
  readonly epoch: number;
  readonly file: string;
}

const KEY_FILE = /^epoch-(\d+)\.key$/;

function keyFile(dir: string, epoch: number): string {
  return join(dir, `epoch-${epoch}.key`);
}

/** Reads the key file of `epoch`, or null when it is gone or was zeroed by its destruction. */
export function readEpochKey(dir: string, epoch: number): Buffer | null {
  let key: Buffer;
  try {
    key = readFileSync(keyFile(dir, epoch));
  } catch {
    return null;
  }
  return key.length === 0 || key.every((b) => b === 0) ? null : key;
}

/** Reads the key of `epoch`, creating it (32 random bytes, mode 0600) when absent. */
export function loadOrCreateEpochKey(dir: string, epoch: number): Buffer {
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

/** The file store over `keyDir` (`<dataDir>/keys/pseudonym`): today's single-node behaviour. */
export function fileEpochKeys(keyDir: string): EpochKeyFiles {
  return {
    keyDir,
    where: keyDir,
    getOrCreateSync: (epoch) => loadOrCreateEpochKey(keyDir, epoch),
    getSync: (epoch) => readEpochKey(keyDir, epoch),
    getOrCreate: async (epoch) => loadOrCreateEpochKey(keyDir, epoch),
    get: async (epoch) => readEpochKey(keyDir, epoch),
    list: async () => listEpochKeys(keyDir).map((k) => k.epoch),
    destroy: async (epoch) => destroyEpochKey(keyDir, epoch),
    close: async () => {},
  };
}

/** True for the file store (readable synchronously on the live path). */
export function isEpochKeyFiles(keys: EpochKeyStore): keys is EpochKeyFiles {
  return typeof (keys as Partial<EpochKeyFiles>).getOrCreateSync === 'function';
}

/**
 * Where the identity key comes from: `GATEHOUSE_IDENTITY_KEY` (hex or base64), else the key file
 * (config `identity.keyFile`, default `<dataDir>/keys/identity.key`, mode 0600). The store keeps only
 * the key check value; the first key used with a store fixes it, and any other key is refused with
 * GH_ERR_IDENTITY_KEY_WRONG before a single row is read or written.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GatehouseError } from '../../core/errors.js';
import { assertKeyMatches, type IdentityKey, keyCheckValue, parseKey } from './seal.js';

/** The part of the subscriber repository that holds the key check value. */
export interface KeyCheckStore {
  /** The stored key check value, or null for a store that has never sealed anything. */
  keyCheck(): Promise<string | null>;
  /** Stores `value` unless one is stored already; returns the value in force (first writer wins). */
  setKeyCheck(value: string, actor: string): Promise<string>;
}

/** Where to look for the key. */
export interface KeySource {
  readonly keyFile: string;
  /** The environment (GATEHOUSE_IDENTITY_KEY). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The name of the environment variable that carries the key. */
export const KEY_ENV = 'GATEHOUSE_IDENTITY_KEY';

const invalid = (message: string, cause?: unknown) =>
  new GatehouseError('GH_ERR_IDENTITY_KEY_INVALID', message, [], { cause });

/** Reads the key from the environment or the file; undefined when neither has one. */
export function readIdentityKey(source: KeySource): IdentityKey | undefined {
  const fromEnv = source.env[KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return parseKey(fromEnv, KEY_ENV);
  let text: string;
  try {
    const mode = statSync(source.keyFile).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw invalid(
        `identity key file "${source.keyFile}" is readable by others (mode ${mode.toString(8)}); chmod 600 it`,
      );
    }
    text = readFileSync(source.keyFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (err instanceof GatehouseError) throw err;
    throw invalid(`reading identity key file "${source.keyFile}": ${(err as Error).message}`, err);
  }
  return parseKey(text, `"${source.keyFile}"`);
}

/**
 * Writes a fresh random key to the key file (0600, directory 0700). `wx`: of two processes starting at
 * once, one creates it and the other reads the winner's key.
 */
function createKeyFile(keyFile: string): IdentityKey {
  try {
    mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
    writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(keyFile, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw invalid(`creating identity key file "${keyFile}": ${(err as Error).message}`, err);
    }
  }
  const key = readIdentityKey({ keyFile, env: {} });
  if (key === undefined) throw invalid(`identity key file "${keyFile}" vanished while it was created`);
  return key;
}

/**
 * The key to seal and open subscriber records with, checked against the store. With no key anywhere,
 * a key file is created — but only for a store that has never sealed anything (no key check value):
 * a fresh key cannot open what an earlier key sealed, so creating one for a store that has records
 * would only hide that the real key is missing. Such a store gets GH_ERR_IDENTITY_KEY_MISSING instead.
 */
export async function resolveIdentityKey(
  source: KeySource,
  store: KeyCheckStore,
  actor = 'system',
): Promise<IdentityKey> {
  let stored = await store.keyCheck();
  let key = readIdentityKey(source);
  if (key === undefined) {
    if (stored !== null) {
      throw new GatehouseError(
        'GH_ERR_IDENTITY_KEY_MISSING',
        `no identity key: set ${KEY_ENV} or restore "${source.keyFile}" (the store holds records sealed with a key); nothing was changed`,
      );
    }
    key = createKeyFile(source.keyFile);
  }
  stored ??= await store.setKeyCheck(keyCheckValue(key), actor);
  assertKeyMatches(key, stored);
  return key;
}

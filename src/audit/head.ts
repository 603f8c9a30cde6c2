/**
 * Publishing the head: an Ed25519 signature over the last entry's seq and hash and the time of
 * signing, so anyone holding the public key can later prove what the log held by then. The signed
 * bytes are the canonical JSON array `["gatehouse-audit-head/1",SEQ,"HASH",TIME]` (see docs/audit.md,
 * which verifies one with `openssl pkeyutl`).
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatehouseError } from '../core/errors.js';
import type { AuditHead, SignedHead } from './types.js';

/** The tag that opens every signed head; a new layout gets a new tag. */
export const HEAD_ENCODING = 'gatehouse-audit-head/1';

/** Where the signing key lives under the data directory. */
export const SIGNING_KEY_FILE = join('keys', 'audit-ed25519.pem');

/** The exact bytes (UTF-8) that are signed for a head. */
export function headSigningInput(seq: number, hash: string, time: number): string {
  return `[${JSON.stringify(HEAD_ENCODING)},${seq},${JSON.stringify(hash)},${time}]`;
}

function keyError(what: string, err?: unknown): GatehouseError {
  const why = err instanceof Error ? `: ${err.message}` : '';
  return new GatehouseError('GH_ERR_AUDIT_KEY', `${what}${why}`, [], { cause: err });
}

function privateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw keyError('reading the audit signing key', err);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw keyError(`reading the audit signing key: expected ed25519, got "${key.asymmetricKeyType}"`);
  }
  return key;
}

/** Signs `head` as of `now` with an Ed25519 private key (PKCS#8 PEM). */
export function signHead(head: AuditHead, privateKeyPem: string, now: number = Date.now()): SignedHead {
  const key = privateKey(privateKeyPem);
  const message = Buffer.from(headSigningInput(head.seq, head.hash, now), 'utf8');
  const publicKey = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  return {
    seq: head.seq,
    hash: head.hash,
    time: now,
    signature: sign(null, message, key).toString('base64'),
    publicKey,
  };
}

const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'der' });

/**
 * True when `signed` carries a valid signature by the holder of `publicKeyPem` (SPKI PEM), the key the
 * caller trusts. A head that names another key than that one is refused even if the signature holds.
 */
export function verifyHead(signed: SignedHead, publicKeyPem: string): boolean {
  let key: KeyObject;
  try {
    key = createPublicKey(publicKeyPem);
  } catch (err) {
    throw keyError('reading the audit public key', err);
  }
  if (key.asymmetricKeyType !== 'ed25519') return false;
  try {
    if (!spki(createPublicKey(signed.publicKey)).equals(spki(key))) return false;
  } catch {
    return false;
  }
  const message = Buffer.from(headSigningInput(signed.seq, signed.hash, signed.time), 'utf8');
  const signature = Buffer.from(String(signed.signature), 'base64');
  if (signature.length !== 64) return false;
  return verify(null, message, key, signature);
}

/** The signing key pair, as PEM. */
export interface SigningKey {
  readonly path: string;
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  /** True when this call generated the key. */
  readonly created: boolean;
}

function readKey(path: string, created: boolean): SigningKey {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw keyError(
      `audit signing key "${path}" is readable by others (mode ${mode.toString(8)}); chmod 600 it`,
    );
  }
  const privateKeyPem = readFileSync(path, 'utf8');
  const publicKeyPem = createPublicKey(privateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' });
  return { path, privateKeyPem, publicKeyPem: publicKeyPem.toString(), created };
}

/**
 * Reads `<dataDir>/keys/audit-ed25519.pem`, generating it (mode 0600, directory 0700) on first use.
 * The new key is written to a temporary file and linked into place, so two processes starting at
 * once end up with the same key and a crash never leaves half a key behind.
 */
export function loadOrCreateSigningKey(dataDir: string): SigningKey {
  const path = join(dataDir, SIGNING_KEY_FILE);
  try {
    return readKey(path, false);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw wrap(path, err);
  }
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    mkdirSync(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
    writeFileSync(temp, pem, { mode: 0o600, flag: 'wx' });
    chmodSync(temp, 0o600); // the umask cannot widen it, but an odd filesystem might
    try {
      linkSync(temp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return readKey(path, false); // another process won the race: use its key
    }
    return readKey(path, true);
  } catch (err) {
    throw wrap(path, err);
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // already gone, or never written
    }
  }
}

function wrap(path: string, err: unknown): unknown {
  return err instanceof GatehouseError ? err : keyError(`opening audit signing key "${path}"`, err);
}

/**
 * Sealing identity fields at rest: AES-256-GCM (NIST SP 800-38D) with a random 96-bit IV per field
 * and the ISP, subscriber id and field name as additional authenticated data, so a ciphertext moved
 * to another row or another field fails to open. The 32-byte key never enters the database; the
 * database holds only its key check value (an HMAC of a constant), which tells a wrong key from a
 * tampered field before anything is read or written.
 *
 * Sealed text: `v1.` + base64url(IV ‖ ciphertext ‖ tag).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { GatehouseError } from '../../core/errors.js';
import type { IdentityField } from './model.js';

const VERSION = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const CHECK_CONSTANT = 'gatehouse identity key check v1';

/** A loaded identity key. */
export interface IdentityKey {
  /** The raw 32 bytes (kept in this process only). */
  readonly bytes: Buffer;
  /** Where it came from, for messages (`GATEHOUSE_IDENTITY_KEY` or the file path); never the key. */
  readonly source: string;
}

/** Parses 32 bytes written as 64 hex digits or base64 (padded or not, url-safe or not). */
export function parseKey(text: string, source: string): IdentityKey {
  const t = text.trim();
  let bytes: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(t)) bytes = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t))
    bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes === null || bytes.length !== KEY_BYTES) {
    throw new GatehouseError(
      'GH_ERR_IDENTITY_KEY_INVALID',
      `reading the identity key from ${source}: expected 32 bytes as 64 hex digits or base64, got ${t.length} characters`,
    );
  }
  return { bytes, source };
}

/** The key check value stored beside the records: HMAC-SHA-256(key, constant), hex. */
export function keyCheckValue(key: IdentityKey): string {
  return createHmac('sha256', key.bytes).update(CHECK_CONSTANT).digest('hex');
}

/** Throws GH_ERR_IDENTITY_KEY_WRONG unless `stored` is `key`'s check value. */
export function assertKeyMatches(key: IdentityKey, stored: string): void {
  const mine = Buffer.from(keyCheckValue(key), 'hex');
  const theirs = Buffer.from(stored, 'hex');
  if (theirs.length !== mine.length || !timingSafeEqual(mine, theirs)) {
    throw new GatehouseError(
      'GH_ERR_IDENTITY_KEY_WRONG',
      `the identity key from ${key.source} is not the key the subscriber records were sealed with (key check value differs); nothing was changed`,
    );
  }
}

/** The AAD binding a sealed value to its place: NUL-separated, so no two places share one. */
function aadOf(isp: string, id: string, field: IdentityField): Buffer {
  return Buffer.from(`gatehouse-subscriber-v1\0${isp}\0${id}\0${field}`, 'utf8');
}

/** Seals one field value of subscriber `isp`/`id`. */
export function sealField(
  key: IdentityKey,
  isp: string,
  id: string,
  field: IdentityField,
  value: string,
): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aadOf(isp, id, field));
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return VERSION + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** Opens a sealed field; GH_ERR_IDENTITY_TAMPERED when it was altered or belongs elsewhere. */
export function openField(
  key: IdentityKey,
  isp: string,
  id: string,
  field: IdentityField,
  sealed: string,
): string {
  const tampered = () =>
    new GatehouseError(
      'GH_ERR_IDENTITY_TAMPERED',
      `opening ${field} of subscriber ${isp}/${id}: authentication failed (altered, or moved from another row or field)`,
    );
  if (!sealed.startsWith(VERSION)) throw tampered();
  const raw = Buffer.from(sealed.slice(VERSION.length), 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw tampered();
  const decipher = createDecipheriv('aes-256-gcm', key.bytes, raw.subarray(0, IV_BYTES), {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(aadOf(isp, id, field));
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  try {
    return Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw tampered();
  }
}

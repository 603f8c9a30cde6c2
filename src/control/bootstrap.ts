/**
 * First start: when no account holds the admin role, create `admin` with a random one-time
 * password, returned once so the caller prints it; it must be changed at first sign-in, and TOTP
 * enrolled before the account can act.
 */
import { GatehouseError } from '../core/errors.js';
import type { Store } from '../store/types.js';
import { hashPassword, oneTimePassword } from './password.js';

/** The created admin's one-time password, or null when an admin exists. */
export async function ensureFirstAdmin(store: Store): Promise<{ name: string; password: string } | null> {
  if ((await store.accounts.countWithRole('admin')) > 0) return null;
  const existing = await store.accounts.get('admin');
  const password = oneTimePassword();
  const passwordHash = await hashPassword(password);
  if (existing) {
    // An `admin` account without the role (unusual): do not touch it; report that none was made.
    return null;
  }
  try {
    await store.accounts.create({ name: 'admin', roles: ['admin'], isp: null, passwordHash }, 'system');
  } catch (err) {
    // Two nodes starting at once on an empty database both saw no admin: the one whose insert
    // won made the account and printed its password; this one starts without making another.
    if (err instanceof GatehouseError && err.code === 'GH_ERR_ACCOUNT_EXISTS') return null;
    throw err;
  }
  return { name: 'admin', password };
}

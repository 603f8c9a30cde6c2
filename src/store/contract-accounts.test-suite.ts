/**
 * The accounts contract: accounts, TOTP steps, recovery codes, sessions, tokens, audit. Every Store
 * runs it (`accounts.test.ts` on SQLite and PostgreSQL); `open` must return a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Store } from './types.js';

const input = { name: 'Olga', roles: ['operator' as const], isp: null, passwordHash: 'scrypt$1$1$1$a$b' };

/** Runs the accounts contract against the stores `open` makes. */
export function runAccountContract(name: string, open: () => Promise<Store>): void {
  describe(`account contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    test('creates with a forced password change, refuses a taken name, audits', async () => {
      const a = await store.accounts.create(input, 'admin');
      expect(a).toMatchObject({
        name: 'olga',
        roles: ['operator'],
        mustChangePassword: true,
        totpEnrolled: false,
      });
      expect(a).not.toHaveProperty('passwordHash');
      await expect(store.accounts.create(input, 'admin')).rejects.toMatchObject({
        code: 'GH_ERR_ACCOUNT_EXISTS',
      });
      expect(await store.accounts.countWithRole('operator')).toBe(1);
      const entries = await store.audit.entries({ limit: 10, object: 'account/olga' });
      expect(entries.map((e) => `${e.actor} ${e.action}`)).toEqual(['admin account.create']);
    });

    test('accepts each TOTP step once, and only moving forward', async () => {
      await store.accounts.create(input, 'admin');
      await store.accounts.startTotp('olga', 'SECRET');
      await store.accounts.confirmTotp('olga', 100, ['h1', 'h2']);
      expect((await store.accounts.secrets('olga'))?.totpSecret).toBe('SECRET');
      expect(await store.accounts.spendTotpStep('olga', 100)).toBe(false);
      expect(await store.accounts.spendTotpStep('olga', 101)).toBe(true);
      expect(await store.accounts.spendTotpStep('olga', 101)).toBe(false);
      expect(await store.accounts.spendRecoveryCode('olga', 'h1')).toBe(true);
      expect(await store.accounts.spendRecoveryCode('olga', 'h1')).toBe(false);
      expect(await store.accounts.spendRecoveryCode('olga', 'nope')).toBe(false);
    });

    test('a password change ends the other sessions; deleting ends sessions and revokes tokens', async () => {
      await store.accounts.create(input, 'admin');
      await store.accounts.createSession('s1', 'olga', Date.now() + 60_000);
      await store.accounts.createSession('s2', 'olga', Date.now() + 60_000);
      await store.accounts.setPassword('olga', 'scrypt$1$1$1$c$d', false, 'olga', 's1');
      expect([await store.accounts.session('s1'), await store.accounts.session('s2')].map(Boolean)).toEqual([
        true,
        false,
      ]);
      const t = await store.accounts.createToken({
        id: 'abcd',
        name: 'olga',
        label: 'ci',
        role: 'operator',
        tokenHash: 'th',
      });
      expect(await store.accounts.tokenByHash('th')).toEqual(t);
      await store.accounts.remove('olga', 'admin');
      expect(await store.accounts.get('olga')).toBeUndefined();
      expect(await store.accounts.session('s1')).toBeUndefined();
      expect(await store.accounts.tokenByHash('th')).toBeUndefined();
      await expect(store.accounts.revokeToken('abcd', 'admin')).rejects.toMatchObject({
        code: 'GH_ERR_ACCOUNT_NOT_FOUND',
      });
      expect((await store.audit.verify()).ok).toBe(true);
    });
  });
}

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type KeyCheckStore, readIdentityKey, resolveIdentityKey } from './key.js';
import { keyCheckValue, parseKey } from './seal.js';

const dir = mkdtempSync(join(tmpdir(), 'gh-identity-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `d${n++}`, 'keys', 'identity.key');

/** An in-memory key check store, as the repository behaves. */
function memoryStore(initial: string | null = null): KeyCheckStore & { writes: number } {
  let value = initial;
  const store = {
    writes: 0,
    keyCheck: async () => value,
    setKeyCheck: async (v: string) => {
      store.writes++;
      value ??= v;
      return value;
    },
  };
  return store;
}

describe('resolveIdentityKey', () => {
  it('creates a 0600 key file for a store that has sealed nothing, and records its check value', async () => {
    const keyFile = fresh();
    const store = memoryStore();
    const key = await resolveIdentityKey({ keyFile, env: {} }, store);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key.bytes.toString('hex'));
    expect(await store.keyCheck()).toBe(keyCheckValue(key));
    const again = await resolveIdentityKey({ keyFile, env: {} }, store);
    expect(again.bytes.equals(key.bytes)).toBe(true);
  });

  it('refuses to create a key for a store that has sealed records: GH_ERR_IDENTITY_KEY_MISSING', async () => {
    const keyFile = fresh();
    const store = memoryStore('ab'.repeat(32));
    await expect(resolveIdentityKey({ keyFile, env: {} }, store)).rejects.toMatchObject({
      code: 'GH_ERR_IDENTITY_KEY_MISSING',
    });
    expect(existsSync(keyFile)).toBe(false);
    expect(store.writes).toBe(0);
  });

  it('refuses a key that is not the one the store was sealed with: GH_ERR_IDENTITY_KEY_WRONG', async () => {
    const store = memoryStore();
    const env = { GATEHOUSE_IDENTITY_KEY: randomBytes(32).toString('base64') };
    await resolveIdentityKey({ keyFile: fresh(), env }, store);
    const other = { GATEHOUSE_IDENTITY_KEY: randomBytes(32).toString('hex') };
    await expect(resolveIdentityKey({ keyFile: fresh(), env: other }, store)).rejects.toMatchObject({
      code: 'GH_ERR_IDENTITY_KEY_WRONG',
    });
  });

  it('prefers the environment to the file', async () => {
    const keyFile = fresh();
    await resolveIdentityKey({ keyFile, env: {} }, memoryStore());
    const hex = randomBytes(32).toString('hex');
    const key = await resolveIdentityKey({ keyFile, env: { GATEHOUSE_IDENTITY_KEY: hex } }, memoryStore());
    expect(key.bytes.toString('hex')).toBe(hex);
    expect(key.source).toBe('GATEHOUSE_IDENTITY_KEY');
  });

  it.each<[string, (file: string) => void]>([
    ['readable by others', (f) => chmodSync(f, 0o644)],
    ['not a key', (f) => writeFileSync(f, 'hunter2\n', { mode: 0o600 })],
  ])('refuses a key file %s: GH_ERR_IDENTITY_KEY_INVALID', async (_, spoil) => {
    const keyFile = fresh();
    await resolveIdentityKey({ keyFile, env: {} }, memoryStore());
    spoil(keyFile);
    expect(() => readIdentityKey({ keyFile, env: {} })).toThrow(
      expect.objectContaining({ code: 'GH_ERR_IDENTITY_KEY_INVALID' }),
    );
  });

  it('reads nothing when neither the file nor the environment has a key', () => {
    expect(readIdentityKey({ keyFile: fresh(), env: { GATEHOUSE_IDENTITY_KEY: ' ' } })).toBeUndefined();
    expect(parseKey(randomBytes(32).toString('hex'), 'x').bytes).toHaveLength(32);
  });
});

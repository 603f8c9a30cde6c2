import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { headSigningInput, loadOrCreateSigningKey, SIGNING_KEY_FILE, signHead, verifyHead } from './head.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-head-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pem = (type: 'ed25519' | 'ec') => {
  const pair =
    type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};
const HEAD = { seq: 42, hash: 'c0ffee'.padEnd(64, '0'), time: 1_700_000_000_000 };

describe('signed heads', () => {
  const key = pem('ed25519');
  const signed = signHead(HEAD, key.privateKeyPem, 1_700_000_123_456);

  it('round-trips: seq and hash of the head, time of signing, the public key', () => {
    expect(signed).toMatchObject({
      seq: 42,
      hash: HEAD.hash,
      time: 1_700_000_123_456,
      publicKey: key.publicKeyPem,
    });
    expect(Buffer.from(signed.signature, 'base64')).toHaveLength(64);
    expect(verifyHead(signed, key.publicKeyPem)).toBe(true);
  });

  it.each([
    ['a changed seq', { seq: 43 }],
    ['a changed hash', { hash: 'c0ffef'.padEnd(64, '0') }],
    ['a changed time', { time: 1_700_000_123_457 }],
    ['a flipped signature bit', { signature: flip(signed.signature) }],
    ['a truncated signature', { signature: signed.signature.slice(0, 40) }],
    ['someone else’s key embedded', { publicKey: pem('ed25519').publicKeyPem }],
  ])('rejects %s', (_, change) => {
    expect(verifyHead({ ...signed, ...change }, key.publicKeyPem)).toBe(false);
  });

  it('rejects a head verified against another key, or a key of another type', () => {
    expect(verifyHead(signed, pem('ed25519').publicKeyPem)).toBe(false);
    expect(verifyHead(signed, pem('ec').publicKeyPem)).toBe(false);
  });

  it('refuses to sign with a key that is not Ed25519, or not a key', () => {
    for (const bad of [pem('ec').privateKeyPem, 'not a key']) {
      expect(() => signHead(HEAD, bad)).toThrow(expect.objectContaining({ code: 'GH_ERR_AUDIT_KEY' }));
    }
  });

  it('verifies with openssl, as docs/audit.md shows', () => {
    const work = mkdtempSync(join(dir, 'openssl-'));
    writeFileSync(join(work, 'pub.pem'), key.publicKeyPem);
    writeFileSync(join(work, 'head.txt'), headSigningInput(signed.seq, signed.hash, signed.time));
    writeFileSync(join(work, 'head.sig'), Buffer.from(signed.signature, 'base64'));
    const args = ['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-in', 'head.txt'];
    const out = execFileSync('openssl', [...args, '-sigfile', 'head.sig'], { cwd: work, encoding: 'utf8' });
    expect(out).toContain('Signature Verified Successfully');
  });
});

describe('loadOrCreateSigningKey', () => {
  it('creates the key once, mode 0600 in a 0700 directory, then reuses it', () => {
    const dataDir = join(dir, 'data');
    const first = loadOrCreateSigningKey(dataDir);
    expect(first).toMatchObject({ path: join(dataDir, SIGNING_KEY_FILE), created: true });
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'keys')).mode & 0o777).toBe(0o700);
    expect(readFileSync(first.path, 'utf8')).toBe(first.privateKeyPem);
    const again = loadOrCreateSigningKey(dataDir);
    expect(again).toEqual({ ...first, created: false });
    expect(verifyHead(signHead(HEAD, again.privateKeyPem), first.publicKeyPem)).toBe(true);
  });

  it('refuses a key file others can read, and a file that is not a key', () => {
    const dataDir = join(dir, 'loose');
    const { path } = loadOrCreateSigningKey(dataDir);
    chmodSync(path, 0o644);
    expect(() => loadOrCreateSigningKey(dataDir)).toThrow(/readable by others \(mode 644\)/);
    writeFileSync(path, 'garbage', { mode: 0o600 });
    chmodSync(path, 0o600);
    expect(() => loadOrCreateSigningKey(dataDir)).toThrow(
      expect.objectContaining({ code: 'GH_ERR_AUDIT_KEY' }),
    );
  });
});

function flip(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[10] ^= 1;
  return bytes.toString('base64');
}

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assertKeyMatches, keyCheckValue, openField, parseKey, sealField } from './seal.js';

const key = parseKey(randomBytes(32).toString('hex'), 'test');
const other = parseKey(randomBytes(32).toString('base64'), 'other');

/** Flips one bit of the sealed payload at byte `at` (after the `v1.` prefix). */
function flip(sealed: string, at: number): string {
  const raw = Buffer.from(sealed.slice(3), 'base64url');
  raw[at] ^= 1;
  return `v1.${raw.toString('base64url')}`;
}

describe('sealing identity fields (AES-256-GCM)', () => {
  it.each(['Mari Maasikas', '', 'Tänav 1\nTallinn, 10111', '😀'.repeat(100)])('round-trips %j', (value) => {
    const sealed = sealField(key, 'isp-a', 'sub-1', 'name', value);
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(sealed).not.toContain(value || '\u0000');
    expect(openField(key, 'isp-a', 'sub-1', 'name', sealed)).toBe(value);
  });

  it('uses a fresh IV every time', () => {
    const a = sealField(key, 'isp-a', 'sub-1', 'phone', '+3725551234');
    const b = sealField(key, 'isp-a', 'sub-1', 'phone', '+3725551234');
    expect(a).not.toBe(b);
    expect(a.slice(3, 19)).not.toBe(b.slice(3, 19));
  });

  const sealed = sealField(key, 'isp-a', 'sub-1', 'documentNumber', 'AB123456');
  it.each<[string, () => string]>([
    ['opened under another ISP', () => openField(key, 'isp-b', 'sub-1', 'documentNumber', sealed)],
    [
      'opened as another subscriber (rows swapped)',
      () => openField(key, 'isp-a', 'sub-2', 'documentNumber', sealed),
    ],
    ['opened as another field', () => openField(key, 'isp-a', 'sub-1', 'name', sealed)],
    ['with a flipped IV bit', () => openField(key, 'isp-a', 'sub-1', 'documentNumber', flip(sealed, 0))],
    [
      'with a flipped ciphertext bit',
      () => openField(key, 'isp-a', 'sub-1', 'documentNumber', flip(sealed, 13)),
    ],
    ['with a flipped tag bit', () => openField(key, 'isp-a', 'sub-1', 'documentNumber', flip(sealed, 20))],
    ['truncated', () => openField(key, 'isp-a', 'sub-1', 'documentNumber', sealed.slice(0, 20))],
    ['without its version', () => openField(key, 'isp-a', 'sub-1', 'documentNumber', sealed.slice(3))],
    ['under another key', () => openField(other, 'isp-a', 'sub-1', 'documentNumber', sealed)],
  ])('refuses a field %s with GH_ERR_IDENTITY_TAMPERED', (_, open) => {
    expect(open).toThrow(expect.objectContaining({ code: 'GH_ERR_IDENTITY_TAMPERED' }));
  });

  it('never names the value in its error', () => {
    try {
      openField(key, 'isp-a', 'sub-2', 'documentNumber', sealed);
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('AB123456');
    }
  });
});

describe('identity keys', () => {
  const bytes = randomBytes(32);
  it.each([
    ['hex', bytes.toString('hex')],
    ['HEX with a newline', `${bytes.toString('hex').toUpperCase()}\n`],
    ['base64', bytes.toString('base64')],
    ['base64url without padding', bytes.toString('base64url')],
  ])('parses %s', (_, text) => {
    expect(parseKey(text, 'test').bytes.equals(bytes)).toBe(true);
  });

  it.each([
    ['16 bytes', randomBytes(16).toString('hex')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['empty', ''],
    ['not hex', 'z'.repeat(64)],
  ])('refuses %s with GH_ERR_IDENTITY_KEY_INVALID', (_, text) => {
    expect(() => parseKey(text, 'test')).toThrow(
      expect.objectContaining({ code: 'GH_ERR_IDENTITY_KEY_INVALID' }),
    );
  });

  it('tells the right key from a wrong one by the key check value', () => {
    const kcv = keyCheckValue(key);
    expect(kcv).toMatch(/^[0-9a-f]{64}$/);
    expect(() => assertKeyMatches(key, kcv)).not.toThrow();
    expect(() => assertKeyMatches(other, kcv)).toThrow(
      expect.objectContaining({ code: 'GH_ERR_IDENTITY_KEY_WRONG' }),
    );
    expect(() => assertKeyMatches(key, 'abcd')).toThrow(
      expect.objectContaining({ code: 'GH_ERR_IDENTITY_KEY_WRONG' }),
    );
  });
});

import { describe, expect, test } from 'vitest';
import { base32Decode, base32Encode, hotp, matchTotp, totp } from './totp.js';

// RFC 6238 Appendix B: seeds are the ASCII digits "1234567890" repeated to the hash's key length.
const seed = (n: number) => Buffer.from('1234567890'.repeat(7).slice(0, n));
const SEEDS = { sha1: seed(20), sha256: seed(32), sha512: seed(64) };

describe('TOTP (RFC 6238 appendix B)', () => {
  test.each([
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ])('T=%i', (seconds, sha1, sha256, sha512) => {
    expect(totp(SEEDS.sha1, seconds * 1000, 8, 'sha1')).toBe(sha1);
    expect(totp(SEEDS.sha256, seconds * 1000, 8, 'sha256')).toBe(sha256);
    expect(totp(SEEDS.sha512, seconds * 1000, 8, 'sha512')).toBe(sha512);
  });
});

describe('HOTP (RFC 4226 appendix D)', () => {
  const expected = [
    '755224',
    '287082',
    '359152',
    '969429',
    '338314',
    '254676',
    '287922',
    '162583',
    '399871',
    '520489',
  ];
  test.each(expected.map((code, count) => [count, code]))('count %i → %s', (count, code) => {
    expect(hotp(seed(20), count as number)).toBe(code);
  });
});

describe('base32 (RFC 4648 §10)', () => {
  test.each([
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ])('%j ↔ %s', (text, encoded) => {
    expect(base32Encode(Buffer.from(text))).toBe(encoded);
    expect(base32Decode(encoded).toString()).toBe(text);
  });
});

describe('matchTotp', () => {
  const secret = base32Encode(seed(20));
  const at = 1_111_111_111_000;
  const step = Math.floor(at / 30_000);
  test.each([
    ['the current step', 0, step],
    ['one step back', -30_000, step - 1],
    ['one step ahead', 30_000, step + 1],
    ['two steps back', -60_000, null],
    ['two steps ahead', 60_000, null],
  ])('accepts %s only within ±1', (_, offset, want) => {
    const code = totp(seed(20), at + offset);
    expect(matchTotp(secret, code, at)).toBe(want);
  });
  test.each(['', '12345', '1234567', 'abcdef'])('refuses malformed %j', (code) => {
    expect(matchTotp(secret, code, at)).toBeNull();
  });
});

/** The test's own TOTP generator against RFC 6238 Appendix B (SHA-1) and RFC 4648 base32 vectors. */
import { describe, expect, it } from 'vitest';
import { base32Decode, hotp } from './totp.js';

const KEY = Buffer.from('12345678901234567890');

describe('totp (test helper)', () => {
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('RFC 6238 Appendix B: T=%i → %s', (seconds, code) => {
    expect(hotp(KEY, Math.floor(seconds / 30), 8)).toBe(code);
  });

  it.each([
    ['MZXW6YTBOI======', 'foobar'],
    ['mzxw6ytb', 'fooba'],
    ['GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', '12345678901234567890'],
  ])('RFC 4648 base32 %s', (text, plain) => {
    expect(base32Decode(text).toString()).toBe(plain);
  });
});

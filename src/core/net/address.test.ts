import { describe, expect, test } from 'vitest';
import { formatIPv4, parseIPv4, socketIPv4 } from './address.js';

/**
 * The reference parser: parseIPv4 as it was before it was rewritten for the lease index's hot path
 * (one if/else per character). The fast parser must agree with it on every input.
 */
function referenceParseIPv4(text: string): number {
  let value = 0;
  let part = -1;
  let dots = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (part < 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = -1;
      dots++;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1;
      part = (part < 0 ? 0 : part * 10) + (c - 48);
      digits++;
      if (part > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || part < 0) return -1;
  return value * 256 + part;
}

/** Deterministic pseudo-random u32s (xorshift), so a failure replays. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

describe('socketIPv4', () => {
  test.each([
    ['10.0.0.1', 0x0a000001],
    ['::ffff:10.0.0.1', 0x0a000001],
    ['::ffff:127.0.0.1', 0x7f000001],
    ['::1', -1],
    ['2001:db8::1', -1],
    ['::ffff:10.0.0', -1],
    ['', -1],
    [undefined, -1],
  ])('%s is %s', (text, value) => {
    expect(socketIPv4(text)).toBe(value);
  });
});

describe('parseIPv4', () => {
  test.each([
    ['0.0.0.0', 0],
    ['1.2.3.4', 0x01020304],
    ['10.0.0.1', 0x0a000001],
    ['100.64.0.42', 0x6440002a],
    ['192.168.255.10', 0xc0a8ff0a],
    ['255.255.255.255', 0xffffffff],
    ['128.0.0.0', 0x80000000],
    ['9.99.199.249', 0x0963c7f9],
  ])('parses %s', (text, value) => {
    expect(parseIPv4(text)).toBe(value);
  });

  test.each([
    ['', 'empty'],
    ['1.2.3', 'three octets'],
    ['1.2.3.4.5', 'five octets'],
    ['1.2.3.4.', 'trailing dot'],
    ['.1.2.3.4', 'leading dot'],
    ['1..2.3', 'empty octet'],
    ['1.2.3.', 'empty last octet'],
    ['256.1.1.1', 'octet over 255'],
    ['1.1.1.300', 'last octet over 255'],
    ['1.1.1.1000', 'four digits'],
    ['01.1.1.1', 'leading zero'],
    ['1.1.1.00', 'double zero'],
    ['1.1.010.1', 'octal-looking octet'],
    ['1.1.1.1a', 'trailing letter'],
    ['1.1.1.1 ', 'trailing space'],
    [' 1.1.1.1', 'leading space'],
    ['1.1.1.-1', 'minus sign'],
    ['1.1.1.+1', 'plus sign'],
    ['1.1.1./', 'slash'],
    ['1:1:1:1', 'colons'],
    ['::ffff:1.2.3.4', 'IPv4-mapped IPv6'],
    ['1.2.3.4/32', 'prefix'],
    ['1.2.3.٤', 'non-ASCII digit'],
    ['9999999999.1.1.1', 'huge octet'],
    ['0000000.0.0.0', 'too long'],
  ])('refuses %j (%s)', (text) => {
    expect(parseIPv4(text)).toBe(-1);
  });

  test.each([
    ['::ffff:100.64.0.42', 7, 0x6440002a],
    ['::ffff:1.2.3.4', 7, 0x01020304],
    ['::ffff:01.2.3.4', 7, -1],
    ['::ffff:1.2.3', 7, -1],
    ['x1.2.3.4', 1, 0x01020304],
  ])('parses %s from %d', (text, from, value) => {
    expect(parseIPv4(text, from)).toBe(value);
  });

  test('round-trips every formatted address it is given', () => {
    const next = rng(7);
    const wrong: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const a = next();
      if (parseIPv4(formatIPv4(a)) !== a) wrong.push(a);
    }
    expect(wrong).toEqual([]);
  });

  test('agrees with the reference parser on a million random and mutated strings', () => {
    const next = rng(2026);
    // Characters a mutation may insert: digits and dots mostly, plus the near misses.
    const alphabet = '0123456789....../:-+ a\u0660\u0130';
    const mutate = (text: string): string => {
      const at = next() % (text.length + 1);
      const c = alphabet[next() % alphabet.length] as string;
      switch (next() % 4) {
        case 0:
          return text.slice(0, at) + c + text.slice(at); // insert
        case 1:
          return text.slice(0, at) + text.slice(at + 1); // delete
        case 2:
          return text.slice(0, at) + c + text.slice(at + 1); // replace
        default:
          return text; // keep
      }
    };
    let valid = 0;
    let mismatches: string[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      let text: string;
      const kind = next() % 4;
      if (kind === 0) {
        // Random strings over the alphabet, 0..16 characters.
        const n = next() % 17;
        text = '';
        for (let j = 0; j < n; j++) text += alphabet[next() % 12];
      } else {
        // Mutations (one to three) of real addresses, octets sometimes zero-padded or too big.
        const octet = (): string => {
          const r = next() % 8;
          if (r === 0) return String(next() % 1000);
          if (r === 1) return `0${next() % 100}`;
          return String(next() % 256);
        };
        text = `${octet()}.${octet()}.${octet()}.${octet()}`;
        for (let m = next() % 4; m > 0; m--) text = mutate(text);
      }
      const got = parseIPv4(text);
      if (got >= 0) valid++;
      if (got !== referenceParseIPv4(text) && mismatches.length < 10) mismatches = [...mismatches, text];
    }
    expect(mismatches).toEqual([]);
    // Both sides of the border were exercised.
    expect(valid).toBeGreaterThan(100_000);
    expect(valid).toBeLessThan(900_000);
  });
});

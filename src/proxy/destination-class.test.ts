import { describe, expect, test } from 'vitest';
import { createDestinationClassifier, isInternational } from './destination-class.js';

const DOMESTIC = ['192.0.2.0/24', '10.0.0.0/8', '2001:db8::/32'];

describe('destination classes', () => {
  test.each([
    { address: '192.0.2.7', international: false },
    { address: '10.255.0.1', international: false },
    { address: '::ffff:10.1.2.3', international: false },
    { address: '2001:db8:1::5', international: false },
    { address: '198.51.100.1', international: true },
    { address: '2001:db9::1', international: true },
    { address: 'not-an-address', international: true },
  ])('$address international: $international', ({ address, international }) => {
    expect(isInternational(address, DOMESTIC)).toBe(international);
    expect(createDestinationClassifier(DOMESTIC).classify(address)).toBe(
      international ? 'international' : 'domestic',
    );
  });

  test('with no domestic prefixes everything is international', () => {
    expect(isInternational('192.0.2.1', [])).toBe(true);
  });

  test.each([
    { prefixes: DOMESTIC, address: '192.0.2.7', cls: 'domestic' },
    { prefixes: DOMESTIC, address: '::ffff:10.1.2.3', cls: 'domestic' },
    { prefixes: DOMESTIC, address: '198.51.100.1', cls: 'international' },
    { prefixes: DOMESTIC, address: '2001:db9::1', cls: 'international' },
    // No class can be known for what is not an address, nor for anything with no prefixes set.
    { prefixes: DOMESTIC, address: 'not-an-address', cls: null },
    { prefixes: [], address: '198.51.100.1', cls: null },
    { prefixes: [], address: '192.0.2.7', cls: null },
  ])('classOf $address with $prefixes.length prefixes: $cls', ({ prefixes, address, cls }) => {
    expect(createDestinationClassifier(prefixes).classOf(address)).toBe(cls);
  });

  test('refuses a bad prefix, quoting it', () => {
    expect(() => createDestinationClassifier(['10.0.0.1/8'])).toThrow('"10.0.0.1/8"');
  });
});

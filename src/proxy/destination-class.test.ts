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

  test('refuses a bad prefix, quoting it', () => {
    expect(() => createDestinationClassifier(['10.0.0.1/8'])).toThrow('"10.0.0.1/8"');
  });
});

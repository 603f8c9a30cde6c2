import { expect, test } from 'vitest';
import { createFormTokens, sameOrigin } from './form-token.js';

test('a token is spent once, within its lifetime, only by the instance that signed it', () => {
  let now = 1_000_000;
  const tokens = createFormTokens({ clock: () => now, maxAgeMs: 1000 });
  const other = createFormTokens({ clock: () => now });
  const [a, b, c] = [tokens.issue(), tokens.issue(), tokens.issue()];
  expect(other.spend(a)).toBe(false);
  expect(tokens.spend(a)).toBe(true);
  expect(tokens.spend(a)).toBe(false);
  now += 1000;
  expect(tokens.spend(b)).toBe(true);
  now += 1;
  expect(tokens.spend(c)).toBe(false);
});

test.each([undefined, null, 42, '', 'a.b', `${'A'.repeat(32)}.${'B'.repeat(43)}`])('refuses %j', (token) => {
  expect(createFormTokens({ clock: Date.now }).spend(token)).toBe(false);
});

test('remembers at most maxSpent nonces', () => {
  const tokens = createFormTokens({ clock: () => 5, maxSpent: 2 });
  const issued = [tokens.issue(), tokens.issue(), tokens.issue()];
  for (const t of issued) expect(tokens.spend(t)).toBe(true);
  expect(tokens.spend(issued[2])).toBe(false);
  // The oldest was forgotten to make room: memory stays bounded. The flood limits keep real traffic
  // far below maxSpent within one token lifetime, so this never reopens a replay in practice.
  expect(tokens.spend(issued[0])).toBe(true);
});

test.each<[Record<string, string>, boolean]>([
  [{}, true],
  [{ origin: 'https://portal.example' }, true],
  [{ origin: 'http://node:8080' }, true],
  [{ origin: 'https://node:8080' }, true],
  [{ origin: 'https://evil.example' }, false],
  [{ origin: 'null' }, false],
  [{ 'sec-fetch-site': 'cross-site' }, false],
  [{ 'sec-fetch-site': 'same-origin', origin: 'https://portal.example' }, true],
  [{ 'sec-fetch-site': 'same-origin', origin: 'null' }, true],
  [{ 'sec-fetch-site': 'same-site', origin: 'https://other.portal.example' }, false],
  [{ 'sec-fetch-site': 'none', origin: 'https://evil.example' }, false],
])('origin check %j → %s', (headers, ok) => {
  expect(sameOrigin(headers, 'node:8080', 'https://portal.example/')).toBe(ok);
});

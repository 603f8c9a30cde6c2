import { expect, test } from 'vitest';
import { createFloodGate } from './flood.js';

const limits = { perAddress: { burst: 2, perHour: 60 }, total: { burst: 3, perHour: 3600 } };

test('an address gets its burst, then waits for the refill', () => {
  let now = 0;
  const gate = createFloodGate(limits, () => now);
  expect([gate('a'), gate('a')]).toEqual([0, 0]);
  expect(gate('a')).toBe(60);
  now += 30_000;
  expect(gate('a')).toBe(30);
  now += 30_000;
  expect(gate('a')).toBe(0);
});

test('everyone together is held to the total', () => {
  let now = 0;
  const gate = createFloodGate(limits, () => now);
  expect(['a', 'b', 'c'].map(gate)).toEqual([0, 0, 0]);
  expect(gate('d')).toBe(1);
  now += 1000;
  expect(gate('d')).toBe(0);
});

test('forgets the oldest address beyond maxAddresses', () => {
  const gate = createFloodGate({ ...limits, total: { burst: 100, perHour: 1 }, maxAddresses: 1 }, () => 0);
  gate('a');
  gate('a');
  expect(gate('a')).toBeGreaterThan(0);
  gate('b');
  expect(gate('a')).toBe(0);
});

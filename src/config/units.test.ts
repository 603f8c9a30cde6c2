import { describe, expect, test } from 'vitest';
import { formatBytes, formatDuration, parseBytes, parseDuration } from './units.js';

describe('parseDuration', () => {
  test.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['1w', 604_800_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['', '10', 's', '10 s', '-5s', '10sec', '1h 30m', '5M', '1e3s', '99999999999999999d'])(
    'refuses %j',
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );
});

describe('formatDuration', () => {
  test.each([
    [0, '0s'],
    [500, '500ms'],
    [1500, '1500ms'],
    [90_000, '90s'],
    [3_600_000, '1h'],
    [31_536_000_000, '365d'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 60_000, 86_400_000, 123_456])
      expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

describe('parseBytes', () => {
  test.each([
    ['64MiB', 64 * 1024 * 1024],
    ['16KiB', 16_384],
    ['1GiB', 1024 ** 3],
    ['1GB', 1e9],
    ['1kB', 1000],
    ['512B', 512],
    ['4096', 4096],
    ['1.5KiB', 1536],
  ])('%s is %d bytes', (text, n) => {
    expect(parseBytes(text)).toBe(n);
  });

  test.each(['', 'MiB', '64mib', '64Mb', '-1KiB', '1 PB', '1e3'])('refuses %j', (text) => {
    expect(parseBytes(text)).toBeNull();
  });

  test.each([
    [0, '0B'],
    [1000, '1000B'],
    [16_384, '16KiB'],
    [67_108_864, '64MiB'],
  ])('formats %d as %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});

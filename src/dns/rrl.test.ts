import { describe, expect, test } from 'vitest';
import { createRrl, type RrlConfig, type RrlVerdict, slipResponse } from './rrl.js';

/** A manual clock: tests move time instead of sleeping. */
function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function run(rrl: { check(a: string): RrlVerdict }, address: string, n: number): RrlVerdict[] {
  return Array.from({ length: n }, () => rrl.check(address));
}

describe('createRrl: rate and slip', () => {
  test.each<[string, Partial<RrlConfig>, number, Record<RrlVerdict, number>]>([
    [
      'burst of 5 then slip every 2nd',
      { responsesPerSecond: 5, slip: 2 },
      10,
      { allow: 5, slip: 2, drop: 3 },
    ],
    [
      'slip 1 truncates every limited answer',
      { responsesPerSecond: 5, slip: 1 },
      10,
      { allow: 5, slip: 5, drop: 0 },
    ],
    [
      'slip 0 drops every limited answer',
      { responsesPerSecond: 5, slip: 0 },
      10,
      { allow: 5, slip: 0, drop: 5 },
    ],
    ['slip 3', { responsesPerSecond: 2, slip: 3 }, 11, { allow: 2, slip: 3, drop: 6 }],
    ['explicit burst', { responsesPerSecond: 1, burst: 4, slip: 0 }, 6, { allow: 4, slip: 0, drop: 2 }],
    ['0 disables limiting', { responsesPerSecond: 0 }, 1000, { allow: 1000, slip: 0, drop: 0 }],
  ])('%s', (_name, cfg, n, expected) => {
    const c = clock();
    const rrl = createRrl({ responsesPerSecond: 0, ...cfg, now: c.now });
    const counts: Record<RrlVerdict, number> = { allow: 0, slip: 0, drop: 0 };
    for (const v of run(rrl, '192.0.2.1', n)) counts[v]++;
    expect(counts).toEqual(expected);
  });

  test('tokens refill at the configured rate', () => {
    const c = clock();
    const rrl = createRrl({ responsesPerSecond: 10, slip: 0, now: c.now });
    expect(run(rrl, '192.0.2.1', 10).every((v) => v === 'allow')).toBe(true);
    expect(rrl.check('192.0.2.1')).toBe('drop');
    c.advance(100); // 10/s → one token per 100 ms
    expect(rrl.check('192.0.2.1')).toBe('allow');
    expect(rrl.check('192.0.2.1')).toBe('drop');
    c.advance(10_000); // refills to the burst, never above it
    expect(run(rrl, '192.0.2.1', 11).filter((v) => v === 'allow')).toHaveLength(10);
  });
});

describe('createRrl: prefix aggregation', () => {
  test.each<[string, Partial<RrlConfig>, string, string, boolean]>([
    ['IPv4 /24 shares a bucket', {}, '198.51.100.1', '198.51.100.254', true],
    ['IPv4 next /24 does not', {}, '198.51.100.1', '198.51.101.1', false],
    ['IPv4 /32 is per address', { ipv4Prefix: 32 }, '198.51.100.1', '198.51.100.2', false],
    ['IPv4 /16', { ipv4Prefix: 16 }, '198.51.1.1', '198.51.200.9', true],
    ['IPv4-mapped IPv6 counts as IPv4', {}, '::ffff:198.51.100.7', '198.51.100.8', true],
    ['IPv6 /56 shares a bucket', {}, '2001:db8:0:ab00::1', '2001:db8:0:abff:ffff::2', true],
    ['IPv6 next /56 does not', {}, '2001:db8:0:ab00::1', '2001:db8:0:ac00::1', false],
    ['IPv6 /64', { ipv6Prefix: 64 }, '2001:db8::1', '2001:db8:0:1::1', false],
    ['IPv6 /64 ignores the interface id', { ipv6Prefix: 64 }, '2001:db8::1', '2001:db8::1:2:3:4', true],
    ['IPv6 /48', { ipv6Prefix: 48 }, '2001:db8:1:1::1', '2001:db8:1:ffff::1', true],
    ['IPv6 /128', { ipv6Prefix: 128 }, '2001:db8::1', '2001:db8::2', false],
    ['IPv4 and IPv6 never share', { ipv4Prefix: 8, ipv6Prefix: 16 }, '10.0.0.1', '::a00:1', false],
  ])('%s', (_name, cfg, first, second, shared) => {
    const c = clock();
    const rrl = createRrl({ responsesPerSecond: 3, slip: 0, ...cfg, now: c.now });
    run(rrl, first, 3);
    expect(rrl.check(second)).toBe(shared ? 'drop' : 'allow');
  });

  test('unparseable addresses are allowed, not tracked', () => {
    const rrl = createRrl({ responsesPerSecond: 1 });
    expect(run(rrl, 'not-an-address', 5)).toEqual(['allow', 'allow', 'allow', 'allow', 'allow']);
    expect(rrl.size).toBe(0);
  });
});

describe('createRrl: bounded table', () => {
  test.each([
    ['IPv4', (i: number) => `${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}.1`, 24],
    ['IPv6', (i: number) => `2001:db8:${(i >>> 8).toString(16)}:${(i & 255).toString(16)}00::1`, 56],
  ])('%s: 100k distinct sources never exceed maxEntries', (_name, source) => {
    const c = clock();
    const rrl = createRrl({ responsesPerSecond: 5, maxEntries: 10_000, now: c.now });
    let peak = 0;
    for (let i = 0; i < 100_000; i++) {
      expect(rrl.check(source(i))).toBe('allow');
      peak = Math.max(peak, rrl.size);
    }
    expect(peak).toBeLessThanOrEqual(10_000);
    expect(rrl.size).toBeGreaterThan(1000);
  });

  test('a sweep keeps limited buckets and frees refilled ones first', () => {
    const c = clock();
    const rrl = createRrl({ responsesPerSecond: 1, slip: 0, maxEntries: 16, now: c.now });
    run(rrl, '203.0.113.1', 2); // limited
    c.advance(500);
    for (let i = 0; i < 15; i++) rrl.check(`10.0.${i}.1`);
    c.advance(1000); // the 15 have refilled; 203.0.113/24 has not been idle long enough
    rrl.check('10.1.0.1'); // table full: sweep
    expect(rrl.size).toBeLessThan(16);
    expect(rrl.check('203.0.113.9')).toBe('allow'); // refilled by now, but still tracked
  });
});

describe('slipResponse', () => {
  // id 0xbeef, QR|RD|RA, 1 question (a. A IN), 1 answer A 192.0.2.1.
  const response = Buffer.from([
    0xbe, 0xef, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0x61, 0, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60,
    0, 4, 192, 0, 2, 1,
  ]);

  test('keeps header and question, sets TC, drops every record', () => {
    const out = slipResponse(response);
    expect(out).not.toBeNull();
    expect(out!.length).toBe(19);
    expect(out!.readUInt16BE(0)).toBe(0xbeef);
    expect(out!.readUInt16BE(2)).toBe(0x8380);
    expect([out!.readUInt16BE(4), out!.readUInt16BE(6), out!.readUInt16BE(8), out!.readUInt16BE(10)]).toEqual(
      [1, 0, 0, 0],
    );
    expect(response.readUInt16BE(6)).toBe(1); // the original is untouched
  });

  test('null for a malformed message', () => {
    expect(slipResponse(response.subarray(0, 14))).toBeNull();
  });
});

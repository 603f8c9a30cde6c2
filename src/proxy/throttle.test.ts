import { describe, expect, test } from 'vitest';
import { FairShare, type ThrottleClock, ThrottleRegistry, TokenBucket } from './throttle.js';

/** A manual clock: timers fire in time order as `advance` moves time on. */
class FakeClock implements ThrottleClock {
  t = 0;
  #timers: { at: number; fn: () => void; id: number }[] = [];
  #next = 1;
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimer(handle: unknown): void {
    this.#timers = this.#timers.filter((x) => x.id !== handle);
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const first = this.#timers[0];
      if (first === undefined || first.at > end) break;
      this.#timers.shift();
      this.t = first.at;
      first.fn();
    }
    this.t = end;
  }
}

describe('TokenBucket', () => {
  test.each([
    { name: 'starts full', rate: 1000, burst: 100, spend: 0, after: 0, tokens: 100 },
    { name: 'refills at the rate', rate: 1000, burst: 500, spend: 500, after: 200, tokens: 200 },
    { name: 'never above burst', rate: 1000, burst: 100, spend: 50, after: 10_000, tokens: 100 },
    { name: 'debt is paid back first', rate: 1000, burst: 100, spend: 300, after: 100, tokens: -100 },
    { name: 'may start part full', rate: 1000, burst: 100, initial: 10, spend: 0, after: 50, tokens: 60 },
  ])('$name', ({ rate, burst, spend, after, tokens, ...rest }) => {
    const b = new TokenBucket(rate, burst, 0, 'initial' in rest ? rest.initial : burst);
    b.spend(spend);
    expect(b.tokens(after)).toBeCloseTo(tokens, 6);
  });

  test.each([
    { tokens: 10, wait: 0 },
    { tokens: 0, wait: 1 },
    { tokens: -999, wait: 1000 },
  ])('waits $wait ms out of a debt leaving $tokens tokens (1000 B/s)', ({ tokens, wait }) => {
    const b = new TokenBucket(1000, 10, 0);
    b.spend(10 - tokens);
    expect(b.waitMs(0)).toBe(wait);
  });
});

/** Runs `connections` greedy consumers for `seconds` and returns bytes each received. */
function run(rate: number, connections: number, seconds: number, want = 65536): number[] {
  const clock = new FakeClock();
  const share = new FairShare(rate, clock);
  const got = new Array<number>(connections).fill(0);
  const ask = (i: number) =>
    share.request(want, (n) => {
      got[i] += n;
      ask(i);
    });
  for (let i = 0; i < connections; i++) ask(i);
  clock.advance(seconds * 1000);
  share.close();
  return got;
}

describe('FairShare', () => {
  test.each([
    { rate: 204_800, connections: 1 },
    { rate: 204_800, connections: 4 },
    { rate: 1_000_000, connections: 3 },
    { rate: 8_000, connections: 2 },
    { rate: 50_000_000, connections: 8 },
  ])('holds $rate B/s within 3% over 10 s across $connections connections', ({ rate, connections }) => {
    const got = run(rate, connections, 10);
    const total = got.reduce((a, b) => a + b, 0);
    // The orders ask ±10%; the burst (a tenth of a second, at least a slice) and one slice of
    // debt are the only excess, 2.5% at the smallest rate here.
    expect(Math.abs(total - rate * 10) / (rate * 10)).toBeLessThan(0.03);
  });

  test.each([2, 3, 7])('shares evenly between %i connections (round robin)', (n) => {
    const got = run(102_400, n, 10);
    const min = Math.min(...got);
    const max = Math.max(...got);
    expect((max - min) / max).toBeLessThan(0.05);
  });

  test('a small asker is not starved by a large one', () => {
    const clock = new FakeClock();
    const share = new FairShare(10_240, clock, { slice: 1024, burst: 1024 });
    const got = [0, 0];
    const ask = (i: number, want: number) =>
      share.request(want, (n) => {
        got[i] += n;
        ask(i, want);
      });
    ask(0, 1_000_000);
    ask(1, 100);
    clock.advance(10_000);
    // Connection 1 takes 100 B per turn, connection 0 a full slice: equal turns, not equal bytes.
    expect(got[1]).toBeGreaterThan(4000);
    expect(got[0]).toBeGreaterThan(80_000);
  });

  test('grants never exceed the request or the slice', () => {
    const clock = new FakeClock();
    const share = new FairShare(100_000, clock, { slice: 2000 });
    const sizes: number[] = [];
    share.request(5, (n) => sizes.push(n));
    share.request(1_000_000, (n) => sizes.push(n));
    clock.advance(1);
    expect(sizes).toEqual([5, 2000]);
  });

  test('a cancelled request is skipped', () => {
    const clock = new FakeClock();
    const share = new FairShare(1000, clock, { slice: 1000, burst: 1000 });
    share.request(1000, () => {});
    const calls: number[] = [];
    share.request(10, (n) => calls.push(n)).cancel();
    clock.advance(5000);
    expect(calls).toEqual([]);
    expect(share.waiting).toBe(0);
  });

  test('a new rate applies to waiting requests', () => {
    const clock = new FakeClock();
    const share = new FairShare(1000, clock, { slice: 1000, burst: 1000 });
    share.request(1000, () => {});
    let at = -1;
    share.request(1000, () => {
      at = clock.t;
    });
    share.setRate(100_000);
    clock.advance(2000);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThan(50);
  });
});

describe('ThrottleRegistry', () => {
  test('shares one bucket per key and drops it when the last user leaves', () => {
    const reg = new ThrottleRegistry(new FakeClock());
    const a = reg.acquire('1|sub|down', 1000);
    const b = reg.acquire('1|sub|down', 1000);
    const c = reg.acquire('1|other|down', 1000);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    reg.release('1|sub|down');
    expect(reg.size).toBe(2);
    reg.release('1|sub|down');
    reg.release('1|other|down');
    expect(reg.size).toBe(0);
  });
});

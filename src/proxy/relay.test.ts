import type { Socket } from 'node:net';
import { describe, expect, test } from 'vitest';
import { type Decision, NO_DECISION } from '../core/decision.js';
import { UNKNOWN_IDENTITY } from '../identity/cidr-map.js';
import { Flow } from './flow.js';
import { Channel, Valve } from './relay.js';
import { type ThrottleClock, ThrottleRegistry } from './throttle.js';

/** A clock whose timers run only when the test says so. */
function manualClock() {
  let t = 0;
  const timers = new Set<{ at: number; fn: () => void }>();
  const clock: ThrottleClock = {
    now: () => t,
    setTimer: (fn, ms) => {
      const timer = { at: t + ms, fn };
      timers.add(timer);
      return timer;
    },
    clearTimer: (h) => timers.delete(h as { at: number; fn: () => void }),
  };
  const advance = (ms: number) => {
    t += ms;
    for (const timer of [...timers])
      if (timer.at <= t) {
        timers.delete(timer);
        timer.fn();
      }
  };
  return { clock, advance };
}

const throttle = (rateBps: number, orderId = 7): Decision => ({
  ...NO_DECISION,
  action: 'throttle',
  label: 'throttle',
  orderId,
  rateBps,
});

/** A channel from a stand-in source to a stand-in destination that records what it is sent. */
function setup() {
  const { clock, advance } = manualClock();
  const flow = new Flow('explicit', '192.0.2.1', UNKNOWN_IDENTITY, 0, new ThrottleRegistry(clock));
  const sent: number[] = [];
  const dst = { destroyed: false, write: (b: Buffer) => sent.push(b.length) > 0 } as unknown as Socket;
  const src = new Valve({ pause() {}, resume() {}, destroyed: false } as unknown as Socket);
  const channel = new Channel(src, dst, flow, 'down', () => {});
  const total = () => sent.reduce((a, b) => a + b, 0);
  return { flow, channel, advance, total };
}

describe('Channel and a changing throttle', () => {
  test.each([
    { name: 'a throttle lifted while bytes wait for tokens: the rest goes at once', after: NO_DECISION },
    { name: 'a faster order while bytes wait: the rest goes under it', after: throttle(10_000_000, 8) },
  ])('$name', ({ after }) => {
    const s = setup();
    s.flow.setDecision(throttle(1000));
    s.channel.write(Buffer.alloc(100_000));
    s.advance(0);
    const slow = s.total();
    expect(slow).toBeGreaterThan(0);
    expect(slow).toBeLessThan(100_000);
    s.flow.setDecision(after);
    s.advance(1000);
    expect(s.total()).toBe(100_000);
    expect(s.channel.idle).toBe(true);
  });

  test('unthrottled bytes go at once; a throttle set afterwards applies to the next write', () => {
    const s = setup();
    s.channel.write(Buffer.alloc(50_000));
    expect(s.total()).toBe(50_000);
    s.flow.setDecision(throttle(1000));
    s.channel.write(Buffer.alloc(50_000));
    expect(s.total()).toBe(50_000);
    s.advance(0);
    expect(s.total()).toBeGreaterThan(50_000);
    expect(s.total()).toBeLessThan(100_000);
  });

  test('a closed channel hears of no throttle change and sends nothing more', () => {
    const s = setup();
    s.flow.setDecision(throttle(1000));
    s.channel.write(Buffer.alloc(100_000));
    s.advance(0);
    const before = s.total();
    s.channel.close();
    s.flow.setDecision(NO_DECISION);
    s.advance(10_000);
    expect(s.total()).toBe(before);
  });
});

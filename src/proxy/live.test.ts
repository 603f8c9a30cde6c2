import type { Socket } from 'node:net';
import { describe, expect, test } from 'vitest';
import { UNKNOWN_IDENTITY } from '../identity/cidr-map.js';
import { Flow } from './flow.js';
import { HeadDeadline } from './head-deadline.js';
import { LINGER_MS, LiveTable } from './live.js';
import { ThrottleRegistry } from './throttle.js';

const IDLE = 1000;

/** A live flow on a stand-in client socket that counts what the sweep does to it. */
function setup() {
  const live = new LiveTable(10);
  const socket = {
    bytesRead: 0,
    destroyed: 0,
    destroy() {
      this.destroyed++;
    },
  };
  const flow = new Flow('explicit', '192.0.2.1', UNKNOWN_IDENTITY, 0, new ThrottleRegistry());
  flow.client = socket as unknown as Socket;
  let idle = 0;
  flow.onIdle = () => idle++;
  live.add(flow);
  return { live, socket, flow, idle: () => idle };
}

interface Step {
  /** Sweep clock of this look. */
  readonly at: number;
  /** Bytes to add before it: read from the client, or relayed down. */
  readonly read?: number;
  readonly down?: number;
}

describe('LiveTable.sweep: idle connections', () => {
  test.each<{ name: string; steps: Step[]; idle: number }>([
    { name: 'quiet for the idle time', steps: [{ at: 0 }, { at: IDLE }], idle: 1 },
    { name: 'quiet for less', steps: [{ at: 0 }, { at: IDLE - 1 }], idle: 0 },
    {
      name: 'a read in between restarts the wait',
      steps: [{ at: 0 }, { at: 600, read: 5 }, { at: 1500 }],
      idle: 0,
    },
    {
      name: 'bytes relayed to the client count too',
      steps: [{ at: 0 }, { at: 600, down: 5 }, { at: 1500 }],
      idle: 0,
    },
    {
      name: 'after a read, quiet for the idle time',
      steps: [{ at: 0 }, { at: 600, read: 5 }, { at: 1600 }],
      idle: 1,
    },
    {
      name: 'again after each further idle time',
      steps: [{ at: 0 }, { at: IDLE }, { at: 2 * IDLE }],
      idle: 2,
    },
  ])('$name', ({ steps, idle }) => {
    const s = setup();
    for (const step of steps) {
      s.socket.bytesRead += step.read ?? 0;
      s.flow.bytesDown += step.down ?? 0;
      s.live.sweep(step.at, IDLE);
    }
    expect(s.idle()).toBe(idle);
    expect(s.socket.destroyed).toBe(0);
  });

  test('a removed flow is no longer looked at', () => {
    const s = setup();
    s.live.sweep(0, IDLE);
    s.live.remove(s.flow);
    s.live.sweep(IDLE * 5, IDLE);
    expect(s.idle()).toBe(0);
  });
});

describe('LiveTable.sweep: head deadlines and lingering closes', () => {
  test('a head deadline fires once, after its time, and not while disarmed', () => {
    const s = setup();
    let expired = 0;
    const d = new HeadDeadline(500, () => expired++);
    s.flow.deadline = d;
    d.arm();
    const armedAt = performance.now();
    s.live.sweep(armedAt + 400, IDLE);
    expect(expired).toBe(0);
    s.live.sweep(armedAt + 600, IDLE);
    s.live.sweep(armedAt + 700, IDLE);
    expect(expired).toBe(1);
    expect(d.armed).toBe(false);
    d.arm();
    d.disarm();
    s.live.sweep(performance.now() + 10_000, IDLE);
    expect(expired).toBe(1);
  });

  test('a half-closed client still open LINGER_MS later is destroyed, and is not idle meanwhile', () => {
    const s = setup();
    s.flow.finishedAt = 100;
    s.live.sweep(100 + LINGER_MS - 1, IDLE);
    expect(s.socket.destroyed).toBe(0);
    s.live.sweep(100 + LINGER_MS, IDLE);
    expect(s.socket.destroyed).toBe(1);
    expect(s.idle()).toBe(0);
  });
});

import { describe, expect, test } from 'vitest';
import { DAY, makeOrder, T0, withTargets } from '../../test/helpers/orders.js';
import { NO_DECISION } from '../core/decision.js';
import { UNKNOWN_IDENTITY } from '../identity/cidr-map.js';
import { type CompiledPolicy, compilePolicy } from '../policy/compile.js';
import { evaluate } from '../policy/evaluate.js';
import { type Judgement, judge } from './decide.js';
import { JudgementMemo, LOOKUP_REUSE_MS, MAX_PER_IDENTITY, type MemoKey } from './judgement-memo.js';

const HOUR = 3_600_000;
const ID = UNKNOWN_IDENTITY;
const policy = compilePolicy(
  [
    withTargets(makeOrder(1), ['blocked.test']),
    withTargets(makeOrder(2), ['http://shop.test/banned/']),
    withTargets(makeOrder(3, { action: { kind: 'throttle', bytesPerSecond: 1000 } }), ['slow.test']),
    // Starts an hour after T0, ends two hours after: boundaries the memo must not cross.
    withTargets(makeOrder(4, { notBefore: T0 + HOUR, expiresAt: T0 + 2 * HOUR }), ['later.test']),
    withTargets(makeOrder(5, { expiresAt: T0 + 3 * HOUR }), ['http://other.test/gone/']),
  ],
  T0 - DAY,
);

/** What judging `host` + `path` at `time` under `p` answers (the lookup answers 198.51.100.7). */
function judged(p: CompiledPolicy, host: string, path: string, time: number): Promise<Judgement> {
  const ctx = {
    policy: p,
    identity: UNKNOWN_IDENTITY,
    time,
    lookup: async (name: string) => ({
      addresses: name === 'nxdomain.test' ? [] : ['198.51.100.7'],
      decision: evaluate(p, { domain: name, time }),
    }),
  };
  return judge(ctx, host, true, `http://${host}${path}`);
}

const key = (host: string, path: string): MemoKey => ({
  authority: host,
  port: 80,
  url: `http://${host}${path}`,
});

interface Case {
  readonly name: string;
  readonly first: [host: string, path: string];
  readonly next: [host: string, path: string];
  /** Policy time and memo clock advance before the next request. */
  readonly later?: number;
  readonly clock?: number;
  readonly newPolicy?: boolean;
  readonly hit: boolean;
}

describe('JudgementMemo', () => {
  test.each<Case>([
    { name: 'same host, another path', first: ['shop.test', '/a'], next: ['shop.test', '/b'], hit: false },
    { name: 'a host without URL rules', first: ['plain.test', '/a'], next: ['plain.test', '/b'], hit: true },
    { name: 'a throttled host', first: ['slow.test', '/a'], next: ['slow.test', '/b'], hit: true },
    { name: 'another host', first: ['plain.test', '/a'], next: ['slow.test', '/a'], hit: false },
    {
      name: 'a blocked host is not kept',
      first: ['blocked.test', '/'],
      next: ['blocked.test', '/'],
      hit: false,
    },
    {
      name: 'a failed lookup is not kept',
      first: ['nxdomain.test', '/'],
      next: ['nxdomain.test', '/'],
      hit: false,
    },
    {
      name: 'a new snapshot',
      first: ['plain.test', '/'],
      next: ['plain.test', '/'],
      newPolicy: true,
      hit: false,
    },
    {
      name: 'within the lookup age',
      first: ['plain.test', '/'],
      next: ['plain.test', '/'],
      clock: 999,
      hit: true,
    },
    {
      name: 'past the lookup age',
      first: ['plain.test', '/'],
      next: ['plain.test', '/'],
      clock: LOOKUP_REUSE_MS,
      hit: false,
    },
    {
      name: 'an order starts',
      first: ['later.test', '/'],
      next: ['later.test', '/'],
      later: HOUR,
      hit: false,
    },
    {
      name: 'just before it starts',
      first: ['later.test', '/'],
      next: ['later.test', '/'],
      later: HOUR - 1,
      hit: true,
    },
    {
      name: 'any order expires',
      first: ['plain.test', '/'],
      next: ['plain.test', '/'],
      later: 3 * HOUR,
      hit: false,
    },
    {
      name: 'the clock went back',
      first: ['plain.test', '/'],
      next: ['plain.test', '/'],
      later: -1,
      hit: false,
    },
  ])('$name', async ({ first, next, later = 0, clock = 0, newPolicy = false, hit }) => {
    let now = 5000;
    const memo = new JudgementMemo(() => now);
    const j = await judged(policy, first[0], first[1], T0);
    memo.set(policy, ID, T0, memo.now(), key(...first), j);
    now += clock;
    const p = newPolicy ? compilePolicy([withTargets(makeOrder(1), ['x.test'])], T0) : policy;
    const got = memo.get(p, ID, T0 + later, key(...next));
    expect(got !== null).toBe(hit);
    if (got === null) return;
    // A hit is exactly what judging afresh answers, with this request's URL in its facts.
    const fresh = await judged(p, next[0], next[1], T0 + later);
    expect(got).toEqual(fresh);
  });

  test('facts name the URL of the request that used the memo', async () => {
    const memo = new JudgementMemo(() => 0);
    memo.set(policy, ID, T0, 0, key('plain.test', '/a'), await judged(policy, 'plain.test', '/a', T0));
    expect(memo.get(policy, ID, T0, key('plain.test', '/b'))?.facts.url).toBe('http://plain.test/b');
    expect(memo.get(policy, ID, T0, { ...key('plain.test', '/b'), port: 8080 })).toBeNull();
    expect(memo.get(policy, ID, T0, { ...key('plain.test', '/b'), url: null })).toBeNull();
  });

  test('a judgement without a decision is kept too', async () => {
    const memo = new JudgementMemo(() => 0);
    const j = await judged(policy, 'plain.test', '/', T0);
    expect(j.decision).toEqual(NO_DECISION);
    memo.set(policy, ID, T0, 0, key('plain.test', '/'), j);
    expect(memo.get(policy, ID, T0, key('plain.test', '/'))?.decision).toBe(j.decision);
  });

  test('shared by connections of one identity, never across identities', async () => {
    const memo = new JudgementMemo(() => 0);
    const other = Object.freeze({ isp: 'isp-b', groups: [], subscriber: 'p-2' });
    // An equal but distinct object: identities are told apart by object, never by content.
    const twin = Object.freeze({ ...ID });
    memo.set(policy, ID, T0, 0, key('plain.test', '/'), await judged(policy, 'plain.test', '/', T0));
    expect(memo.get(policy, ID, T0, key('plain.test', '/x'))).not.toBeNull();
    expect(memo.get(policy, other, T0, key('plain.test', '/x'))).toBeNull();
    expect(memo.get(policy, twin, T0, key('plain.test', '/x'))).toBeNull();
  });

  test('a block replaces a kept judgement for the same authority', async () => {
    const memo = new JudgementMemo(() => 0);
    memo.set(policy, ID, T0, 0, key('plain.test', '/'), await judged(policy, 'plain.test', '/', T0));
    const blocked = { ...(await judged(policy, 'blocked.test', '/', T0)) };
    memo.set(policy, ID, T0, 0, key('plain.test', '/'), blocked);
    expect(memo.get(policy, ID, T0, key('plain.test', '/'))).toBeNull();
  });

  test('bounded per identity: the oldest authority goes first', async () => {
    const memo = new JudgementMemo(() => 0);
    const j = await judged(policy, 'plain.test', '/', T0);
    for (let i = 0; i <= MAX_PER_IDENTITY; i++) memo.set(policy, ID, T0, 0, key(`h${i}.test`, '/'), j);
    expect(memo.get(policy, ID, T0, key('h0.test', '/'))).toBeNull();
    expect(memo.get(policy, ID, T0, key('h1.test', '/'))).not.toBeNull();
    expect(memo.get(policy, ID, T0, key(`h${MAX_PER_IDENTITY}.test`, '/'))).not.toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile.js';
import { validateOrderInput } from './lifecycle.js';
import type { Order } from './model.js';
import { parseSubscriberTarget } from './subscriber-target.js';

const now = Date.parse('2026-06-01T00:00:00Z');
const base = {
  title: 'Disconnect',
  authority: { name: 'Court', kind: 'court' },
  legalBasis: { instrument: 'Act', article: '1' },
  decisionRef: 'D-1',
  scope: { kind: 'national' },
  disclosure: { notice: 'n', appeal: ['mailto:a@court.example'] },
  expiresAt: now + 86_400_000,
};
const opts = { maxDurationMs: 365 * 86_400_000, now };

describe('disconnect orders in the policy model', () => {
  it.each([
    ['subscriber:isp-a/sub-42', { isp: 'isp-a', id: 'sub-42' }],
    [' subscriber:isp-a/a/b ', { isp: 'isp-a', id: 'a/b' }],
  ])('parses %j', (text, target) => {
    expect(parseSubscriberTarget(text)).toEqual(target);
  });

  it.each(['subscriber:ISP/x', 'subscriber:isp-a/', 'subscriber:isp-a/a b', 'sub-42', 'example.com'])(
    'refuses %j',
    (text) => {
      expect(typeof parseSubscriberTarget(text)).toBe('string');
    },
  );

  it('validates a disconnect order naming subscribers', () => {
    const input = validateOrderInput(
      { ...base, action: { kind: 'disconnect' }, targets: ['subscriber:isp-a/s1', 'subscriber:isp-a/s1 '] },
      opts,
    );
    expect(input.action).toEqual({ kind: 'disconnect' });
    expect(input.targets).toEqual(['subscriber:isp-a/s1']);
  });

  it.each<[string, unknown]>([
    ['no targets', []],
    ['a domain target', ['example.com']],
  ])('refuses a disconnect order with %s', (_, targets) => {
    expect(() => validateOrderInput({ ...base, action: { kind: 'disconnect' }, targets }, opts)).toThrow(
      expect.objectContaining({ code: 'GH_ERR_ORDER_INVALID' }),
    );
  });

  it('refuses subscriber targets on a block order', () => {
    expect(() =>
      validateOrderInput({ ...base, action: { kind: 'block' }, targets: ['subscriber:isp-a/s1'] }, opts),
    ).toThrow(expect.objectContaining({ code: 'GH_ERR_ORDER_INVALID' }));
  });

  it('compiles to nothing in the DNS and proxy tables', () => {
    const order = {
      ...validateOrderInput(
        { ...base, action: { kind: 'disconnect' }, targets: ['subscriber:isp-a/s1'] },
        opts,
      ),
      id: 1,
      status: 'active',
      createdBy: 'a',
      createdAt: now,
      approvedBy: 'b',
      approvedAt: now,
    } as Order;
    const policy = compilePolicy([{ order, rules: [] }], now);
    expect(policy.orders).toEqual([]);
  });
});

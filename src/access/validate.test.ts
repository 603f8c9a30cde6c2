import { describe, expect, it } from 'vitest';
import { DEFAULT_CRIME_CATEGORIES } from '../config/sections/access.js';
import { validateWarrantInput } from './validate.js';

const NOW = Date.UTC(2026, 0, 15);
const DAY = 86_400_000;
const opts = { crimeCategories: [...DEFAULT_CRIME_CATEGORIES], maxWindow: 90 * DAY, now: NOW };
const valid = {
  authority: 'Central Criminal Police',
  reference: 'CCP-1',
  crimeCategory: 'terrorism',
  target: { kind: 'subscriber', isp: 'isp-a', subscriber: 'sub-42' },
  from: NOW - DAY,
  to: NOW,
  justification: 'why',
};

const issuesOf = (raw: unknown): readonly string[] => {
  try {
    validateWarrantInput(raw, opts);
  } catch (err) {
    expect(err).toMatchObject({ code: 'GH_ERR_WARRANT_INVALID' });
    return (err as { details: readonly string[] }).details;
  }
  throw new Error('accepted');
};

describe('validateWarrantInput', () => {
  it('accepts a complete request, urgency normal by default, times as ISO text too', () => {
    const w = validateWarrantInput({ ...valid, from: new Date(NOW - DAY).toISOString() }, opts);
    expect(w).toEqual({ ...valid, urgency: 'normal' });
  });

  it.each<[string, Record<string, string>, Record<string, string>?]>([
    ['pseudonym', { kind: 'pseudonym', pseudonym: 'p20000-abcdefghijklmnopqrst' }],
    [
      'destination (normalised)',
      { kind: 'destination', name: 'Example.COM.' },
      { kind: 'destination', name: 'example.com' },
    ],
    ['address', { kind: 'address', address: '2001:DB8::7' }, { kind: 'address', address: '2001:db8::7' }],
  ])('accepts a %s target', (_, target, expected = target) => {
    expect(validateWarrantInput({ ...valid, target }, opts).target).toEqual(expected);
  });

  it('reports every missing field with its path', () => {
    expect(issuesOf({})).toEqual([
      'authority: required',
      'reference: required',
      'crimeCategory: required',
      'target: required',
      'from: required',
      'to: required',
      'justification: required',
    ]);
  });

  it.each([
    ['an unknown crime category', { crimeCategory: 'jaywalking' }, /^crimeCategory: expected one of/],
    ['an unknown target kind', { target: { kind: 'everyone' } }, /^target\.kind:/],
    [
      'a subscriber without ISP',
      { target: { kind: 'subscriber', subscriber: 's' } },
      /^target\.isp: required/,
    ],
    ['a malformed pseudonym', { target: { kind: 'pseudonym', pseudonym: 'sub-42' } }, /^target\.pseudonym:/],
    ['a malformed name', { target: { kind: 'destination', name: 'a..b' } }, /^target\.name:/],
    ['a malformed address', { target: { kind: 'address', address: '300.1.1.1' } }, /^target\.address:/],
    ['a reversed window', { from: NOW, to: NOW - DAY }, /^to: must be after from/],
    ['a window over the maximum', { from: NOW - 91 * DAY }, /^to: the window is longer/],
    ['a window reaching the future', { to: NOW + 1 }, /^to: must not be in the future/],
    ['a bad time', { from: 'yesterday' }, /^from: expected/],
    ['an empty justification', { justification: '   ' }, /^justification: must not be empty/],
    ['an unknown urgency', { urgency: 'asap' }, /^urgency:/],
  ])('refuses %s', (_, over, issue) => {
    const issues = issuesOf({ ...valid, ...over });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(issue);
  });

  it('refuses a non-object', () => {
    expect(issuesOf('warrant')).toHaveLength(1);
  });
});

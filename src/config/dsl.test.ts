import { describe, expect, expectTypeOf, test } from 'vitest';
import {
  arr,
  bool,
  bytes,
  duration,
  either,
  enumOf,
  type Infer,
  type InferInput,
  int,
  num,
  obj,
  optional,
  str,
} from './dsl.js';
import { suggest } from './field.js';
import { validate } from './tree.js';

const sample = obj(
  {
    name: str({ pattern: /^[a-z]+$/, format: 'lowercase name' }),
    ratio: num({ min: 0, max: 1, default: 0.5 }),
    count: int({ min: 1, default: 1 }),
    on: bool({ default: false }),
    mode: enumOf(['a', 'b'], { default: 'a' }),
    wait: duration({ default: '1s', min: '1ms' }),
    size: bytes({ default: '1KiB' }),
    tags: arr(str(), { default: [], maxItems: 2 }),
    note: optional(str()),
    n: either(int({ min: 1 }), enumOf(['auto']), { default: 'auto' }),
    inner: obj(
      { deep: int({ default: 7 }) },
      { check: (v) => (v.deep === 13 ? [{ path: 'deep', message: 'unlucky' }] : []) },
    ),
  },
  { doc: 'a sample' },
);

describe('types come from the schema', () => {
  test('Infer gives the normalised type, readonly, optional keys optional', () => {
    expectTypeOf<Infer<typeof sample>>().toEqualTypeOf<{
      readonly name: string;
      readonly ratio: number;
      readonly count: number;
      readonly on: boolean;
      readonly mode: 'a' | 'b';
      readonly wait: number;
      readonly size: number;
      readonly tags: readonly string[];
      readonly note?: string;
      readonly n: number | 'auto';
      readonly inner: { readonly deep: number };
    }>();
  });

  test('InferInput accepts text units and leaves every key optional', () => {
    expectTypeOf<{ wait: '10s'; size: 1024; inner: Record<string, never> }>().toExtend<
      InferInput<typeof sample>
    >();
  });
});

describe('validate', () => {
  test('fills defaults and leaves optional keys out', () => {
    expect(validate(sample, { name: 'x' })).toEqual({
      issues: [],
      value: {
        name: 'x',
        ratio: 0.5,
        count: 1,
        on: false,
        mode: 'a',
        wait: 1000,
        size: 1024,
        tags: [],
        n: 'auto',
        inner: { deep: 7 },
      },
    });
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['missing required', {}, 'name: missing required key'],
    ['pattern', { name: 'X1' }, 'name: expected lowercase name, got "X1"'],
    ['too long', { name: 'a'.repeat(5000) }, 'name: expected at most 4096 characters, got 5000'],
    ['num type', { name: 'x', ratio: '1' }, 'ratio: expected number, got "1"'],
    ['num range', { name: 'x', ratio: 2 }, 'ratio: expected 0..1, got 2'],
    ['not finite', { name: 'x', ratio: Number.POSITIVE_INFINITY }, 'ratio: expected number, got Infinity'],
    ['min only', { name: 'x', count: 0 }, 'count: expected at least 1, got 0'],
    ['list size', { name: 'x', tags: ['a', 'b', 'c'] }, 'tags: expected at most 2 items, got 3'],
    ['list item', { name: 'x', tags: ['a', 5] }, 'tags[1]: expected string, got 5'],
    ['duration min', { name: 'x', wait: 0 }, 'wait: expected at least 1ms, got 0s'],
    ['mapping', { name: 'x', inner: 'deep' }, 'inner: expected mapping, got "deep"'],
    ['check', { name: 'x', inner: { deep: 13 } }, 'inner.deep: unlucky'],
    ['prototype key', { name: 'x', constructor: 1 }, 'constructor: unknown key'],
  ])('%s', (_name, input, issue) => {
    expect(validate(sample, input).issues).toEqual([issue]);
  });

  test('cross-key checks wait for a clean parse', () => {
    expect(validate(sample, { inner: { deep: 13 } }).issues).toEqual(['name: missing required key']);
  });

  test('every field of the sample has a type name', () => {
    for (const f of Object.values(sample.children ?? {})) expect(f.type).not.toBe('');
  });
});

describe('suggest', () => {
  test.each([
    ['lisen', ['listen', 'dot'], ' (did you mean "listen"?)'],
    ['dsn', ['dns', 'log'], ' (did you mean "dns"?)'],
    ['MAXBYTES', ['maxBytes'], ' (did you mean "maxBytes"?)'],
    ['max-bytes', ['maxBytes'], ' (did you mean "maxBytes"?)'],
    ['zzz', ['dns', 'log'], ''],
    ['x', ['listen'], ''],
  ])('%s', (word, candidates, expected) => {
    expect(suggest(word, candidates)).toBe(expected);
  });
});

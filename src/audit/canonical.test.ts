import { describe, expect, it } from 'vitest';
import { canonicalDetails, canonicalJson } from './canonical.js';

describe('canonicalJson', () => {
  it.each([
    [
      'sorts keys at every depth',
      { b: 1, a: { d: 2, c: [3, { f: 4, e: 5 }] } },
      '{"a":{"c":[3,{"e":5,"f":4}],"d":2},"b":1}',
    ],
    [
      'sorts keys by UTF-16 code units',
      { é: 1, z: 2, Z: 3, '10': 4, '9': 5 },
      '{"10":4,"9":5,"Z":3,"z":2,"é":1}',
    ],
    [
      'escapes as JSON does, keeping non-ASCII',
      { s: 'a"b\\c\nd\u0001é😀' },
      '{"s":"a\\"b\\\\c\\nd\\u0001é😀"}',
    ],
    [
      'prints numbers as ECMAScript does (RFC 8785)',
      [0, -0, 1.5, 1e21, 1e-7, 2 ** 53],
      '[0,0,1.5,1e+21,1e-7,9007199254740992]',
    ],
    ['keeps null and booleans', [null, true, false], '[null,true,false]'],
    ['leaves undefined members out', { a: undefined, b: 1 }, '{"b":1}'],
    ['accepts objects without a prototype', Object.assign(Object.create(null), { x: 1 }), '{"x":1}'],
  ])('%s', (_, value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it.each([
    ['NaN', { n: Number.NaN }, '$.n'],
    ['Infinity', [1, Number.POSITIVE_INFINITY], '$[1]'],
    ['a bigint', { n: 1n }, '$.n'],
    ['a Date', { d: new Date(0) }, '$.d'],
    ['a function', { f: () => 1 }, '$.f'],
    ['undefined in an array', [undefined], '$[0]'],
  ])('refuses %s, naming where', (_, value, where) => {
    expect(() => canonicalJson(value)).toThrow(expect.objectContaining({ code: 'GH_ERR_AUDIT_INVALID' }));
    expect(() => canonicalJson(value)).toThrow(where);
  });

  it('refuses nesting deeper than 32 levels', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(/deeper than 32/);
  });
});

describe('canonicalDetails', () => {
  it('is {} when absent and refuses anything but an object', () => {
    expect(canonicalDetails(undefined)).toBe('{}');
    for (const bad of [null, [], 'x', 1]) {
      expect(() => canonicalDetails(bad)).toThrow(expect.objectContaining({ code: 'GH_ERR_AUDIT_INVALID' }));
    }
  });
});

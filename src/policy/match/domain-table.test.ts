import { describe, expect, it } from 'vitest';
import { makeOrder, T0, withTargets } from '../../../test/helpers/orders.js';
import { fromBundle, toBundle } from '../bundle.js';
import { compilePolicy } from '../compile.js';
import { evaluate, evaluateWire } from '../evaluate.js';
import { DomainTable } from './domain-table.js';
import { DomainTableBuilder } from './domain-table-builder.js';
import { Candidates, KIND_SHIFT, KIND_SUBTREE, packMeta } from './rule-meta.js';

/** A text name as an uncompressed wire QNAME at offset 12, as parseQuery leaves it. */
function wire(name: string): Uint8Array {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .filter((l) => l !== '');
  const bytes = [...new Array(12).fill(0)];
  for (const l of labels) bytes.push(l.length, ...Buffer.from(l, 'latin1'));
  bytes.push(0, 0, 1, 0, 1);
  return Uint8Array.from(bytes);
}

/** Rule ids and specificities found for a name, sorted, by both lookups (they must agree). */
function lookup(table: DomainTable, name: string): string[] {
  const text = new Candidates();
  table.collect(name, text);
  const bytes = new Candidates();
  table.collectWire(wire(name), 12, bytes);
  const seen = (c: Candidates) =>
    Array.from({ length: c.count }, (_, i) => `${table.name(c.ruleId[i])}/${c.specificity[i]}`).sort();
  expect(seen(bytes)).toEqual(seen(text));
  return seen(text);
}

function table(names: readonly string[], capacity?: number): DomainTable {
  const b = new DomainTableBuilder({ capacity });
  names.forEach((n, i) => {
    b.add(n, i | (KIND_SUBTREE << KIND_SHIFT));
  });
  const { buffer, layout } = b.build();
  return new DomainTable(buffer, layout);
}

const label63 = 'a'.repeat(63);
const longest = `${label63}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`; // 253 characters
const names = ['example.com', 'ads.example.com', 'tracker.net', 'x.y.z.example.org', longest, 'a-b_c.io'];

describe('domain table: text and wire lookups agree', () => {
  const t = table(names);
  it.each([
    ['example.com', ['example.com/22']],
    ['EXAMPLE.Com.', ['example.com/22']],
    ['www.example.com', ['example.com/22']],
    ['ADS.Example.COM', ['ads.example.com/30', 'example.com/22']],
    ['a.ads.example.com', ['ads.example.com/30', 'example.com/22']],
    ['badexample.com', []],
    ['tracker.net.evil', []],
    ['Z.Y.Z.example.org', []],
    ['w.X.y.Z.example.ORG', ['x.y.z.example.org/34']],
    [longest.toUpperCase(), [`${longest}/506`]],
    [`x.${longest}`, [`${longest}/506`]],
    ['A-B_C.IO', ['a-b_c.io/16']],
    ['com', []],
  ])('%s', (name, found) => {
    expect(lookup(t, name)).toEqual(found);
  });
});

describe('domain table: collisions', () => {
  // 300 names in 301 slots (one must stay empty): chains are long and wrap around the end.
  const many = Array.from({ length: 300 }, (_, i) => `n${i}.example${i % 7}.test`);
  const full = table(many, many.length + 1);

  it('finds every name in a full table', () => {
    for (const n of many) expect(lookup(full, n.toUpperCase())).toEqual([`${n}/${n.length * 2}`]);
  });

  it('misses names absent from a full table', () => {
    for (let i = 300; i < 400; i++) expect(lookup(full, `n${i}.example${i % 7}.test`)).toEqual([]);
  });

  it('keeps names sharing a slot chain apart (eight names, nine slots)', () => {
    const few = ['a.test', 'b.test', 'c.test', 'aa.test', 'ab.test', 'ba.test', 'x.a.test', 'y.b.test'];
    const t = table(few, 9);
    for (const n of few) expect(lookup(t, n)).toContain(`${n}/${n.length * 2}`);
    expect(lookup(t, 'x.a.test')).toEqual(['a.test/12', 'x.a.test/16']);
  });

  it('gives every rule its own id and names it back', () => {
    const ids = new Set<number>();
    for (const n of many) {
      const c = new Candidates();
      full.collect(n, c);
      expect(full.name(c.ruleId[0])).toBe(n);
      ids.add(c.ruleId[0]);
    }
    expect(ids.size).toBe(many.length);
  });

  it('refuses a table with no empty slot and a name over 255 characters', () => {
    expect(() => table(['a.test', 'b.test'], 2)).toThrow(RangeError);
    expect(() => new DomainTableBuilder().add('a'.repeat(256), 0)).toThrow(RangeError);
  });
});

describe('domain table: wire names', () => {
  const t = table(['example.com', 'a.b.example.com']);
  const none = () => new Candidates();

  it.each([
    [
      'a dot inside a label',
      Uint8Array.from([3, 97, 46, 98, 7, ...Buffer.from('example'), 3, 99, 111, 109, 0]),
    ],
    ['a compression pointer', Uint8Array.from([0xc0, 12])],
    ['a label over 63', Uint8Array.from([64, 97, 0])],
    ['a name running off the buffer', Uint8Array.from([7, ...Buffer.from('exam')])],
    ['the root', Uint8Array.from([0])],
  ])('%s does not match the whole name (and never throws)', (_, buf) => {
    const c = none();
    t.collectWire(buf, 0, c);
    const found = Array.from({ length: c.count }, (_, i) => t.name(c.ruleId[i]));
    expect(found).not.toContain('a.b.example.com');
    if (buf[0] !== 3) expect(found).toEqual([]);
  });

  it('still matches the suffixes after an odd label', () => {
    const c = none();
    t.collectWire(Uint8Array.from([3, 97, 46, 98, 7, ...Buffer.from('example'), 3, 99, 111, 109, 0]), 0, c);
    expect(Array.from({ length: c.count }, (_, i) => t.name(c.ruleId[i]))).toEqual(['example.com']);
  });
});

describe('domain table: the same name in several orders', () => {
  const order = (id: number, targets: string[]) => withTargets(makeOrder(id), targets);
  const orders = [
    order(5, ['shared.example', 'only5.example']),
    order(2, ['=shared.example', 'shared.example']),
    order(9, ['shared.example']),
  ];
  const policy = compilePolicy(orders, T0);

  it('finds every rule on the name, in the overflow, with its own order', () => {
    const c = new Candidates();
    policy.domains.collect('shared.example', c);
    const found = Array.from({ length: c.count }, (_, i) => {
      const info = policy.rule(c.ruleId[i]);
      return `${info?.order.id} ${info?.rule.kind} ${info?.rule.value}`;
    });
    expect(found).toEqual([
      '2 exact shared.example',
      '2 subtree shared.example',
      '5 subtree shared.example',
      '9 subtree shared.example',
    ]);
    expect(policy.stats.domainRules).toBe(5);
  });

  it.each(['shared.example', 'WWW.Shared.Example.', 'only5.example', 'nothing.example'])(
    'decides %s alike from text, wire and a bundle',
    (name) => {
      const fromText = evaluate(policy, { domain: name, time: T0 });
      expect(evaluateWire(policy, wire(name), 12, { time: T0 })).toEqual(fromText);
      expect(evaluate(fromBundle(toBundle(policy)), { domain: name, time: T0 })).toEqual(fromText);
    },
  );

  it('describes no rule at an empty slot', () => {
    const empty = Array.from({ length: policy.domains.ids }, (_, i) => i).filter(
      (i) => !policy.domains.has(i),
    );
    expect(empty.length).toBeGreaterThan(0);
    for (const i of empty) expect(policy.rule(i)).toBeNull();
  });

  it('packs rules so a table decodes them back', () => {
    const b = new DomainTableBuilder();
    b.add('x.test', packMeta({ kind: 'exact', value: 'x.test', important: true }, 3));
    const { buffer, layout } = b.build();
    const t = new DomainTable(buffer, layout);
    const c = new Candidates();
    t.collect('X.TEST', c);
    expect(t.meta(c.ruleId[0])).toBe(packMeta({ kind: 'exact', value: 'x.test', important: true }, 3));
  });
});

/**
 * A tiny schema language for the configuration: each builder describes one key once, and from
 * that description come the TypeScript type (`Infer`), the default, the validator and the docs.
 *
 * Validation never stops at the first problem: every issue is collected as `path: message`
 * (`dns.listen[0].port: expected 0..65535, got 70000`), so one run shows everything to fix.
 */
import { type Common, type Ctx, type Field, got, leaf, rangeText, suggest } from './field.js';
import { formatBytes, formatDuration, parseBytes, parseDuration } from './units.js';

/** Options of `num` and `int`. */
export interface NumOpts extends Common<number> {
  readonly min?: number;
  readonly max?: number;
}

function numeric(kind: 'number' | 'integer', o: NumOpts): Field<number> {
  const range = rangeText(o.min, o.max, String);
  return leaf<number, number>({
    ...o,
    type: range === '' ? kind : `${kind} ${range}`,
    parse: (v, fail) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`expected ${kind}, got ${got(v)}`);
      if (kind === 'integer' && !Number.isInteger(v)) return fail(`expected integer, got ${v}`);
      if ((o.min !== undefined && v < o.min) || (o.max !== undefined && v > o.max)) {
        return fail(`expected ${range}, got ${v}`);
      }
      return v;
    },
  });
}

/** A finite number, optionally bounded. */
export function num(o: NumOpts = {}): Field<number> {
  return numeric('number', o);
}

/** An integer, optionally bounded. */
export function int(o: NumOpts = {}): Field<number> {
  return numeric('integer', o);
}

/** Options of `str`: non-empty unless `minLength: 0`; `format` names the pattern in messages. */
export interface StrOpts extends Common<string> {
  readonly pattern?: RegExp;
  readonly format?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
}

/** A string, non-empty by default, optionally matching a pattern. */
export function str(o: StrOpts = {}): Field<string> {
  const { minLength = 1, maxLength = 4096 } = o;
  const expected = o.format ?? (o.pattern ? `string matching ${o.pattern}` : 'string');
  return leaf<string, string>({
    ...o,
    type: expected,
    parse: (v, fail) => {
      if (typeof v !== 'string') return fail(`expected ${expected}, got ${got(v)}`);
      if (v.length < minLength) return fail(`expected non-empty ${expected}, got ""`);
      if (v.length > maxLength) return fail(`expected at most ${maxLength} characters, got ${v.length}`);
      if (o.pattern && !o.pattern.test(v)) return fail(`expected ${expected}, got ${got(v)}`);
      return v;
    },
  });
}

/** `true` or `false` (YAML's `yes`/`on` are strings in YAML 1.2, and refused). */
export function bool(o: Common<boolean> = {}): Field<boolean> {
  return leaf<boolean, boolean>({
    ...o,
    type: 'boolean',
    parse: (v, fail) => (typeof v === 'boolean' ? v : fail(`expected true or false, got ${got(v)}`)),
  });
}

/** One of a fixed set of strings. */
export function enumOf<const V extends readonly string[]>(
  values: V,
  o: Common<V[number]> = {},
): Field<V[number]> {
  const list = values.map((v) => JSON.stringify(v)).join(', ');
  return leaf<V[number], V[number]>({
    ...o,
    type: values.map((v) => JSON.stringify(v)).join(' | '),
    parse: (v, fail) => {
      if (typeof v === 'string' && values.includes(v)) return v;
      const hint = typeof v === 'string' ? suggest(v, values) : '';
      return fail(`expected one of ${list}, got ${got(v)}${hint}`);
    },
  });
}

/** Options of `duration` and `bytes`: bounds are written like values (`'1s'`, `'1MiB'`). */
export interface UnitOpts extends Common<string | number> {
  readonly min?: string;
  readonly max?: string;
}

function unitField(
  kind: 'duration' | 'size',
  o: UnitOpts,
  parse: typeof parseDuration,
  show: typeof formatDuration,
) {
  const min = o.min === undefined ? undefined : (parse(o.min) ?? 0);
  const max = o.max === undefined ? undefined : (parse(o.max) ?? 0);
  const range = rangeText(min, max, show);
  const example = kind === 'duration' ? '"500ms", "10s" or "7d"' : '"16KiB" or "64MiB"';
  return leaf<number, string | number>({
    ...o,
    type: range === '' ? kind : `${kind} ${range}`,
    parse: (v, fail) => {
      const n =
        typeof v === 'string'
          ? parse(v)
          : typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
            ? v
            : null;
      if (n === null) return fail(`expected ${kind} like ${example}, got ${got(v)}`);
      if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
        return fail(`expected ${range}, got ${typeof v === 'string' ? v : show(n)}`);
      }
      return n;
    },
  });
}

/** A duration (`500ms`, `10s`, `7d`, `1h30m`), normalised to milliseconds; a bare integer is milliseconds. */
export function duration(o: UnitOpts = {}): Field<number, string | number> {
  return unitField('duration', o, parseDuration, formatDuration);
}

/** A size (`16KiB`, `64MiB`, `1GB`), normalised to bytes; a bare integer is bytes. */
export function bytes(o: UnitOpts = {}): Field<number, string | number> {
  return unitField('size', o, parseBytes, formatBytes);
}

/** A key that may be absent: its value is then `undefined` and docs say so. */
export function optional<O, I>(field: Field<O, I, boolean>): Field<O, I, true> {
  return { ...field, optional: true, default: undefined, derive: undefined };
}

/** A value that satisfies `a` or else `b` (`workers: 4` or `workers: auto`). */
export function either<OA, IA, OB, IB>(
  a: Field<OA, IA, boolean>,
  b: Field<OB, IB, boolean>,
  o: Common<IA | IB> = {},
): Field<OA | OB, IA | IB> {
  const type = `${a.type} or ${b.type}`;
  return leaf<OA | OB, IA | IB>({
    ...o,
    type,
    parse: (v, fail) => {
      for (const f of [a, b] as const) {
        const scratch: Ctx = { issues: [], derived: [], checks: [] };
        const out = f.parse(v, '', scratch);
        if (scratch.issues.length === 0 && out !== undefined) return out;
      }
      return fail(`expected ${type}, got ${got(v)}`);
    },
  });
}

export type { AnyField, Common, Field, Infer, InferInput, Shape } from './field.js';
export { cidr, listen, storeUrl, upstream, url } from './net-fields.js';
export { arr, obj } from './tree.js';

/**
 * The building block of the configuration schema: a `Field` knows its type name, doc line and
 * default, and parses one value, reporting every problem as `path: message` into a shared `Ctx`.
 */

/** Where a validation run collects its issues and the work it must do once the whole tree is parsed. */
export interface Ctx {
  readonly issues: string[];
  /** Derived defaults: they read other keys, so they run after the tree is parsed. */
  readonly derived: Array<(root: unknown) => void>;
  /** Cross-key checks: they run last, on a complete tree. */
  readonly checks: Array<() => void>;
}

/** A default computed from the rest of the (normalised) configuration, with how docs show it. */
export interface Derived<In> {
  readonly text: string;
  readonly from: (root: never) => In;
}

/** One key of the schema. `Out` is the normalised value, `In` what a file or an override may hold. */
export interface Field<Out, In = Out, Opt extends boolean = false> {
  /** Human name of the type, for docs and messages: `integer 1..65535`, `duration`, `list of ADDR:PORT`. */
  readonly type: string;
  readonly doc: string;
  readonly optional: Opt;
  readonly default?: In;
  readonly derive?: Derived<In>;
  /** The keys of a mapping, for docs. */
  readonly children?: Readonly<Record<string, AnyField>>;
  /** The item of a list, for docs. */
  readonly item?: AnyField;
  /** Validates and normalises `value` (never null or undefined); returns undefined after reporting. */
  parse(value: unknown, path: string, ctx: Ctx): Out | undefined;
}

/** Any field, whatever its types. */
export type AnyField = Field<unknown, unknown, boolean>;
/** The keys of a mapping. */
export type Shape = Readonly<Record<string, AnyField>>;
/** The normalised type a field yields. */
export type Infer<F> = F extends Field<infer O, infer _I, infer _P> ? O : never;
/** The type a file or an override may hold for a field (normalised values are accepted too). */
export type InferInput<F> = F extends Field<infer _O, infer I, infer _P> ? I : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K]['optional'] extends true ? K : never }[keyof S];
/** The normalised type of a mapping: keys wrapped in `optional` may be absent. */
export type ObjOut<S extends Shape> = Simplify<
  { readonly [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & {
    readonly [K in OptionalKeys<S>]?: Infer<S[K]>;
  }
>;
/** What a file or an override may hold for a mapping: every key may be left out. */
export type ObjIn<S extends Shape> = { [K in keyof S]?: InferInput<S[K]> | null };

/** Options every builder takes. */
export interface Common<In> {
  readonly doc?: string;
  readonly default?: In;
  readonly derive?: Derived<In>;
}

/** Reports a problem with the value at `path`. */
export type Fail = (message: string, subPath?: string) => undefined;

/** Joins a key onto a path: `join('dns', 'listen')` → `dns.listen`. */
export function join(path: string, key: string): string {
  if (key === '') return path;
  if (key.startsWith('[')) return path + key;
  return path === '' ? key : `${path}.${key}`;
}

/** Records an issue; returns undefined so callers can `return report(...)`. */
export function report(ctx: Ctx, path: string, message: string): undefined {
  ctx.issues.push(`${path === '' ? '(root)' : path}: ${message}`);
  return undefined;
}

/** Describes what came, for `expected X, got Y`: strings quoted, lists and mappings by kind. */
export function got(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** True for a mapping as YAML yields it. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A ` (did you mean "x"?)` suffix when one candidate is close to `word`, else ''. */
export function suggest(word: string, candidates: readonly string[]): string {
  const squash = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  let best = '';
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = squash(c) === squash(word) ? 0 : distance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best === '' ? '' : ` (did you mean "${best}"?)`;
}

/** Edit distance counting a swap of neighbours as one edit (`dsn` → `dns`): optimal string alignment. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Describes a range for types and messages: `1..65535`, `at least 0`, `at most 10`, or ''. */
export function rangeText<T>(min: T | undefined, max: T | undefined, show: (v: T) => string): string {
  if (min !== undefined && max !== undefined) return `${show(min)}..${show(max)}`;
  if (min !== undefined) return `at least ${show(min)}`;
  return max !== undefined ? `at most ${show(max)}` : '';
}

/** Builds a scalar field from a type name and a parse function that reports through `fail`. */
export function leaf<Out, In>(
  o: Common<In> & { type: string; parse: (value: unknown, fail: Fail) => Out | undefined },
): Field<Out, In> {
  return {
    type: o.type,
    doc: o.doc ?? '',
    optional: false,
    default: o.default,
    derive: o.derive,
    parse: (value, path, ctx) =>
      o.parse(value, (message, sub) => report(ctx, join(path, sub ?? ''), message)),
  };
}

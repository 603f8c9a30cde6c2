/**
 * Mappings and lists, and the validation run over a whole tree: parse every key (filling
 * defaults), then derived defaults, then cross-key checks; issues from all three are collected.
 */
import {
  type AnyField,
  type Common,
  type Ctx,
  type Field,
  got,
  type Infer,
  type InferInput,
  isPlainObject,
  join,
  type ObjIn,
  type ObjOut,
  rangeText,
  report,
  type Shape,
  suggest,
} from './field.js';

/** A problem a cross-key check found, at a path relative to the mapping it checks. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

/** Options of `obj`: `check` sees the complete, normalised mapping and returns its problems. */
export interface ObjOpts<S extends Shape> {
  readonly doc?: string;
  readonly check?: (value: ObjOut<S>) => readonly Issue[];
}

/**
 * A mapping with fixed keys. Unknown keys are errors; a missing mapping is `{}`, so its
 * keys take their defaults and only keys without one are reported missing.
 */
export function obj<S extends Shape>(shape: S, o: ObjOpts<S> = {}): Field<ObjOut<S>, ObjIn<S>> {
  const keys = Object.keys(shape);
  return {
    type: 'mapping',
    doc: o.doc ?? '',
    optional: false,
    default: {},
    children: shape,
    parse: (value, path, ctx) => {
      if (!isPlainObject(value)) return report(ctx, path, `expected mapping, got ${got(value)}`);
      const before = ctx.issues.length;
      for (const key of Object.keys(value)) {
        if (!Object.hasOwn(shape, key)) report(ctx, join(path, key), `unknown key${suggest(key, keys)}`);
      }
      const out: Record<string, unknown> = {};
      for (const key of keys) parseKey(shape[key], value[key], join(path, key), ctx, out, key);
      if (ctx.issues.length > before) return undefined;
      const check = o.check;
      if (check) {
        ctx.checks.push(() => {
          for (const i of check(out as ObjOut<S>)) report(ctx, join(path, i.path), i.message);
        });
      }
      return out as ObjOut<S>;
    },
  };
}

/** Parses one key into `out`, or fills its default, or defers its derived default, or reports it missing. */
function parseKey(
  field: AnyField,
  value: unknown,
  path: string,
  ctx: Ctx,
  out: Record<string, unknown>,
  key: string,
) {
  // YAML `key:` with nothing after it is null: treated as absent, so a commented-out section loads.
  if (value !== undefined && value !== null) {
    const parsed = field.parse(value, path, ctx);
    if (parsed !== undefined) out[key] = parsed;
    return;
  }
  const derive = field.derive;
  if (derive) {
    ctx.derived.push((root) => {
      const parsed = field.parse(derive.from(root as never), path, ctx);
      if (parsed !== undefined) out[key] = parsed;
    });
  } else if (field.default !== undefined) {
    const parsed = field.parse(field.default, path, ctx);
    if (parsed !== undefined) out[key] = parsed;
  } else if (!field.optional) {
    report(ctx, path, 'missing required key');
  }
}

/** Options of `arr`: bounds on the number of items. */
export interface ArrOpts<In> extends Common<In> {
  readonly minItems?: number;
  readonly maxItems?: number;
}

/** A list whose every item is validated by `item`; items are reported as `path[i]`. */
export function arr<I extends AnyField>(
  item: I,
  o: ArrOpts<readonly InferInput<I>[]> = {},
): Field<readonly Infer<I>[], readonly InferInput<I>[]> {
  const count = rangeText(o.minItems, o.maxItems, String);
  return {
    type: `list of ${item.type}`,
    doc: o.doc ?? '',
    optional: false,
    default: o.default,
    derive: o.derive,
    item,
    parse: (value, path, ctx) => {
      if (!Array.isArray(value)) return report(ctx, path, `expected list, got ${got(value)}`);
      if (
        (o.minItems !== undefined && value.length < o.minItems) ||
        (o.maxItems !== undefined && value.length > o.maxItems)
      ) {
        return report(ctx, path, `expected ${count} items, got ${value.length}`);
      }
      const before = ctx.issues.length;
      const out = value.map((v, i) => {
        const at = join(path, `[${i}]`);
        return v === null || v === undefined
          ? report(ctx, at, `expected ${item.type}, got ${got(v)}`)
          : item.parse(v, at, ctx);
      });
      return ctx.issues.length > before ? undefined : (out as Infer<I>[]);
    },
  };
}

/** The outcome of validating a whole tree: the value when there are no issues. */
export interface Validation<T> {
  readonly value: T | undefined;
  readonly issues: readonly string[];
}

/** Validates `input` against `schema`: every key, then derived defaults, then cross-key checks. */
export function validate<F extends AnyField>(schema: F, input: unknown): Validation<Infer<F>> {
  const ctx: Ctx = { issues: [], derived: [], checks: [] };
  const value = schema.parse(input ?? {}, '', ctx);
  // Derived defaults and cross-key checks need a complete tree, so they wait for a clean parse.
  if (ctx.issues.length === 0) for (const fill of ctx.derived) fill(value);
  if (ctx.issues.length === 0) for (const check of ctx.checks) check();
  return ctx.issues.length === 0
    ? { value: value as Infer<F>, issues: [] }
    : { value: undefined, issues: ctx.issues };
}

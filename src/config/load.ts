/**
 * Loading the configuration: read the file → parse YAML → merge command-line overrides →
 * validate everything (every error, with its path) → normalise → deep-freeze.
 *
 * Never exits the process: problems are thrown as `GatehouseError`s and `main.ts` decides.
 */
import { readFileSync } from 'node:fs';
import { parseDocument, parse as parseYaml } from 'yaml';
import { GatehouseError } from '../core/errors.js';
import { isPlainObject } from './field.js';
import { type ConfigInput, type GatehouseConfig, schema } from './schema.js';
import { validate } from './tree.js';

/** Partial configuration from command-line flags: any key, text or normalised values. */
export type ConfigOverrides = ConfigInput;

/** Options of `loadConfig`. */
export interface LoadOptions {
  /** A YAML file; without one, the defaults run the gateway on loopback and unprivileged ports. */
  readonly file?: string;
  /** Applied over the file (mappings merge, lists and scalars replace) and validated with it. */
  readonly overrides?: ConfigOverrides;
}

/** Loads, validates and freezes the configuration. Throws GH_ERR_CONFIG_READ or GH_ERR_CONFIG_INVALID. */
export function loadConfig(opts: LoadOptions = {}): GatehouseConfig {
  if (opts.file === undefined) return validateConfig({}, opts.overrides, 'built-in defaults');
  let text: string;
  try {
    text = readFileSync(opts.file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new GatehouseError('GH_ERR_CONFIG_READ', `reading configuration "${opts.file}": ${reason}`, [], {
      cause: err,
    });
  }
  return parseConfig(text, opts.file, opts.overrides);
}

/** Parses and validates YAML text; `source` names it in messages (a file name, or `test`). */
export function parseConfig(yamlText: string, source: string, overrides?: ConfigOverrides): GatehouseConfig {
  return validateConfig(parseYamlDocument(yamlText, source), overrides, source);
}

/** The configuration with every default: what `gatehouse start` runs without a file. */
export function defaultConfig(): GatehouseConfig {
  return validateConfig({}, undefined, 'built-in defaults');
}

function parseYamlDocument(text: string, source: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const details = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}` : 'unknown position';
      return `${where}: ${e.message
        .split('\n')[0]
        .replace(/ at line \d+, column \d+:?$/, '')
        .replace(/^[A-Z]/, (c) => c.toLowerCase())}`;
    });
    throw new GatehouseError('GH_ERR_CONFIG_READ', `invalid yaml in ${source} at ${details[0]}`, details);
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // An alias bomb ("billion laughs") or an unresolvable alias: refused before it costs memory.
    throw new GatehouseError(
      'GH_ERR_CONFIG_READ',
      `invalid yaml in ${source}: ${(err as Error).message}`,
      [],
      { cause: err },
    );
  }
}

function validateConfig(
  input: unknown,
  overrides: ConfigOverrides | undefined,
  source: string,
): GatehouseConfig {
  const merged = overrides === undefined ? input : mergeOverrides(input, overrides);
  const { value, issues } = validate(schema, merged);
  if (value === undefined) {
    const count = `${issues.length} error${issues.length === 1 ? '' : 's'}`;
    const where = overrides === undefined ? source : `${source} with command-line overrides`;
    throw new GatehouseError('GH_ERR_CONFIG_INVALID', `invalid configuration in ${where}: ${count}`, issues);
  }
  return deepFreeze(value);
}

/**
 * Applies `over` on `base`: mappings merge key by key, anything else replaces, `undefined` is skipped.
 * A non-mapping in the file is kept, so its error is still reported rather than hidden by an override.
 */
export function mergeOverrides(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isPlainObject(over)) return over;
  if (base !== undefined && base !== null && !isPlainObject(base)) return base;
  const out: Record<string, unknown> = { ...(base ?? {}) };
  for (const [key, value] of Object.entries(over)) out[key] = mergeOverrides(out[key], value);
  return out;
}

/**
 * Parses `--set KEY=VALUE` flags (`dns.workers=4`, `dns.listen=[0.0.0.0:53]`) into overrides;
 * values are YAML, so numbers, booleans and lists come out typed. Keys are checked by validation.
 */
export function parseOverrides(pairs: readonly string[]): ConfigOverrides {
  let out: unknown = {};
  for (const pair of pairs) {
    const m = /^([A-Za-z][\w]*(?:\.[A-Za-z][\w]*)*)=(.*)$/s.exec(pair);
    if (!m)
      throw new GatehouseError('GH_ERR_CLI_USAGE', `expected KEY=VALUE (like dns.workers=4), got "${pair}"`);
    let value: unknown;
    try {
      value = parseYaml(m[2]);
    } catch (err) {
      throw new GatehouseError('GH_ERR_CLI_USAGE', `invalid value in "${pair}"`, [], { cause: err });
    }
    const nested = m[1]
      .split('.')
      .reduceRight<unknown>((inner, key) => ({ [key]: inner }), value === null ? m[2] : value);
    out = mergeOverrides(out, nested);
  }
  return out as ConfigOverrides;
}

/** Freezes a value and everything it holds, so a loaded configuration cannot drift. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

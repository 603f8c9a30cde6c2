/**
 * Canonical JSON for audit details: the RFC 8785 (JCS) form of JSON values, which for the values we
 * accept is exactly `JSON.stringify` with object keys sorted by UTF-16 code units and no whitespace.
 * Anything JSON cannot carry faithfully (NaN, Infinity, bigint, functions, undefined in arrays,
 * non-plain objects) is refused rather than silently changed.
 */
import { GatehouseError } from '../core/errors.js';

const invalid = (where: string, why: string) =>
  new GatehouseError('GH_ERR_AUDIT_INVALID', `canonicalising audit details at ${where}: ${why}`);

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function encode(value: unknown, where: string, depth: number): string | undefined {
  if (depth > 32) throw invalid(where, 'nested deeper than 32 levels');
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(where, `not a finite number: ${value}`);
    // JSON.stringify prints -0 as 0, as RFC 8785 §3.2.2.3 requires.
    return JSON.stringify(value);
  }
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value.map((item, i) => {
      const text = encode(item, `${where}[${i}]`, depth + 1);
      if (text === undefined) throw invalid(`${where}[${i}]`, 'undefined is not JSON');
      return text;
    });
    return `[${items.join(',')}]`;
  }
  if (typeof value === 'object' && isPlainObject(value)) {
    const members: string[] = [];
    for (const key of Object.keys(value).sort()) {
      const text = encode((value as Record<string, unknown>)[key], `${where}.${key}`, depth + 1);
      // Like JSON.stringify, an undefined member is left out rather than refused.
      if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
    }
    return `{${members.join(',')}}`;
  }
  const what = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
  throw invalid(where, `a ${what} is not JSON`);
}

/** The canonical JSON text of `value`; throws GH_ERR_AUDIT_INVALID for what JSON cannot carry. */
export function canonicalJson(value: unknown): string {
  const text = encode(value, '$', 0);
  if (text === undefined) throw invalid('$', 'undefined is not JSON');
  return text;
}

/** The canonical JSON of a details object (`{}` when absent); refuses anything but a plain object. */
export function canonicalDetails(details: unknown): string {
  if (details === undefined) return '{}';
  if (typeof details !== 'object' || details === null || Array.isArray(details)) {
    throw invalid('$', `details must be a JSON object, got ${canonicalJsonOrType(details)}`);
  }
  return canonicalJson(details);
}

function canonicalJsonOrType(value: unknown): string {
  try {
    return canonicalJson(value);
  } catch {
    return typeof value;
  }
}

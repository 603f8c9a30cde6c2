/**
 * The fast path of name normalisation for list import: most list entries are already in
 * canonical form, and one pass over the characters recognises them without splitting into labels.
 */
import { MAX_LABEL_LENGTH, MAX_NAME_LENGTH, normaliseName } from '../../core/net/name.js';

const HYPHEN = 45;
const DOT = 46;

/** 1 for `a-z 0-9 _`, 2 for `-`, 0 for anything else. */
const CLASS = new Uint8Array(128);
for (let c = 97; c <= 122; c++) CLASS[c] = 1;
for (let c = 48; c <= 57; c++) CLASS[c] = 1;
CLASS[95] = 1;
CLASS[HYPHEN] = 2;

/**
 * True when `name` is exactly what `normaliseName` returns unchanged: lowercase labels of
 * letters, digits, `_` and inner `-`, 1..63 characters each, no trailing dot, at most 253 characters.
 */
export function isCanonicalName(name: string): boolean {
  const n = name.length;
  if (n === 0 || n > MAX_NAME_LENGTH) return false;
  let labelStart = 0;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? DOT : name.charCodeAt(i);
    if (c === DOT) {
      const len = i - labelStart;
      if (len === 0 || len > MAX_LABEL_LENGTH) return false;
      if (name.charCodeAt(labelStart) === HYPHEN || name.charCodeAt(i - 1) === HYPHEN) return false;
      labelStart = i + 1;
    } else if (c >= 128 || CLASS[c] === 0) return false;
  }
  return true;
}

/** `normaliseName`, with a fast path for names already in canonical form. */
export function normaliseListName(input: string): string | null {
  return isCanonicalName(input) ? input : normaliseName(input);
}

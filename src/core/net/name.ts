/**
 * Domain names: normalised once, at import (lowercase, no trailing dot, IDNA → punycode),
 * so lookups compare bytes and never normalise again.
 */
import { domainToASCII } from 'node:url';

/** RFC 1035 §2.3.4: a name is at most 253 characters in text form, a label at most 63. */
export const MAX_NAME_LENGTH = 253;
export const MAX_LABEL_LENGTH = 63;

// Letters, digits, hyphen, and underscore (service labels such as `_dmarc` occur in real lists).
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/;
const ASCII_ONLY = /^[\x21-\x7e]*$/;

/**
 * Normalises a domain name to its canonical form: lowercase ASCII (punycode for IDNs),
 * no trailing dot. Returns null for anything that is not a valid host name.
 */
export function normaliseName(input: string): string | null {
  let name = input.trim();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name.length === 0) return null;
  name = ASCII_ONLY.test(name) ? name.toLowerCase() : domainToASCII(name);
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) return null;
  for (const label of name.split('.')) {
    if (label.length === 0 || label.length > MAX_LABEL_LENGTH || !LABEL.test(label)) return null;
  }
  return name;
}

/** Why `normaliseName` refused a name, in words, for line errors. */
export function explainBadName(input: string): string {
  const name = input.trim().replace(/\.$/, '');
  if (name.length === 0) return 'empty name';
  if (name.length > MAX_NAME_LENGTH) return `name longer than ${MAX_NAME_LENGTH} characters`;
  if (name.split('.').some((l) => l.length === 0)) return 'empty label';
  if (name.split('.').some((l) => l.length > MAX_LABEL_LENGTH))
    return `label longer than ${MAX_LABEL_LENGTH} characters`;
  return 'invalid character in name';
}

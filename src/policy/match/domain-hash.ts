/**
 * The hashing contract shared by the domain table's builder and its two lookups (text and
 * DNS wire): FNV-1a over a name's characters right to left, finished with murmur3's fmix32.
 * Right to left, so one pass over a query yields the hash of every suffix; every side folds
 * case the same way, so `WWW.Example.COM` and `www.example.com` hash alike.
 */

/** FNV-1a offset basis. */
export const SEED = 0x811c9dc5;
/** FNV-1a prime. */
export const PRIME = 0x01000193;
/** Int32s per slot: [hash, name offset + 1 (0 = empty), packed meta]. */
export const SLOT_INTS = 3;
/** The longest name a table holds (its length is one byte in the pool; RFC 1035 allows 253). */
export const MAX_NAME = 255;

/**
 * Lowercase fold for char codes below 128. Codes from 128 up are hashed as they are: no rule
 * name holds them (rule names are ASCII, punycode for IDNs), so they never match.
 */
export const FOLD: Uint8Array = Uint8Array.from({ length: 128 }, (_, c) => (c >= 65 && c <= 90 ? c + 32 : c));

/**
 * Wire bytes as hashed by the wire lookup: letters folded; every byte the text form escapes
 * (RFC 1035 §5.1: a dot or backslash inside a label, controls, space, non-ASCII) is mapped
 * above 255, so a label holding one matches no rule, as its `\DDD` text form would not.
 */
export const WIRE_FOLD: Uint16Array = Uint16Array.from({ length: 256 }, (_, b) =>
  b <= 0x20 || b >= 0x7f || b === 0x2e || b === 0x5c ? 0x100 | b : FOLD[b],
);

/** murmur3 fmix32: spreads FNV's low-entropy high bits before slot, tag and filter bit are taken. */
export function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  // Kept a signed int32 (a V8 small integer on the hot path, never a heap double).
  return h ^ (h >>> 16);
}

/** The first slot to probe: the hash's low 31 bits modulo the capacity (integer arithmetic). */
export function home(h: number, capacity: number): number {
  return (h & 0x7fffffff) % capacity;
}

/**
 * The filter word of a hash (bits 10..30; `words` a power of two). The filter sets two bits
 * per name in that one word (`filterBits`): at 8 bits per rule that halves the false positives
 * of a one-bit filter (~5% against ~12%) for the same single memory access.
 */
export function filterWord(h: number, words: number): number {
  return (h >>> 10) & (words - 1);
}

/** The two bits (from hash bits 0..9) a name sets in its filter word. */
export function filterBits(h: number): number {
  return (1 << h) | (1 << (h >>> 5));
}

/** The finished hash of stored name bytes `names[start, end)` (already lowercase). */
export function hashBytes(names: Uint8Array, start: number, end: number): number {
  let h = SEED;
  for (let i = end - 1; i >= start; i--) h = Math.imul(h ^ names[i], PRIME);
  return finish(h);
}

/**
 * IPv4 and IPv6 addresses and prefixes, parsed without dependencies.
 * An address is held as four 32-bit words (IPv4 in word 3, words 0..2 zero) plus its family.
 */

/** A parsed address or prefix. `words` are big-endian 32-bit words; IPv4 uses only words[3]. */
export interface Prefix {
  readonly family: 4 | 6;
  readonly words: readonly [number, number, number, number];
  /** Prefix length: 0..32 for IPv4, 0..128 for IPv6. */
  readonly length: number;
}

/**
 * Smallest value of an octet by its digit count: "0" is the only 1-digit octet starting with 0, and
 * 2 and 3 digits must not start with 0 ("010" is octal to some parsers, so it is refused). No digit
 * and 4 or more digits are never valid.
 */
const OCTET_MIN = Int32Array.from({ length: 16 }, (_, n) => [0x40000000, 0, 10, 100][n] ?? 0x40000000);

/**
 * Parses dotted-quad IPv4 into an unsigned 32-bit number, or -1. Strict: exactly four decimal octets
 * of at most 255, no leading zeros, nothing else. `from` skips a prefix already checked (the
 * `::ffff:` of an IPv4-mapped address) without slicing a new string.
 *
 * The lease index calls this once per DNS query and proxied connection, so it is written for few
 * instructions and few branches: one branch per character (dot or not) and every check folded into
 * `bad` (any negative term marks the text invalid), tested once at the end. A parse this lean lets
 * the CPU run ahead into the next lookup while the table read waits on memory.
 */
export function parseIPv4(text: string, from = 0): number {
  const n = text.length;
  if (n - from < 7 || n - from > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  let bad = 0;
  for (let i = from; i < n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d === -2) {
      // '.': the octet just read must be 0..255 with as many digits as its value needs.
      bad |= (part - OCTET_MIN[digits]) | (255 - part);
      value = (value << 8) | part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      bad |= d | (9 - d); // negative unless a digit
      part = (part * 10 + d) & 0xffff; // stays small; more than 3 digits is refused anyway
      digits++;
    }
  }
  bad |= (part - OCTET_MIN[digits]) | (255 - part) | (dots - 3) | (3 - dots);
  return bad < 0 ? -1 : ((value << 8) | part) >>> 0;
}

/**
 * A socket's IPv4 peer as a u32, or -1: dotted-quad text, or the IPv4-mapped form
 * (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2) that dual-stack sockets report for IPv4 clients. Listeners
 * call it once per connection, so every query on it takes the lease index's numeric path.
 */
export function socketIPv4(text: string | undefined): number {
  if (text === undefined) return -1;
  const v4 = parseIPv4(text);
  return v4 >= 0 || !text.startsWith('::ffff:') ? v4 : parseIPv4(text, 7);
}

/** Parses an IPv6 address (with `::` and an optional embedded IPv4 tail) into four words, or null. */
export function parseIPv6(text: string): [number, number, number, number] | null {
  if (text.length < 2 || text.length > 45) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1].split(':')) : [];
  const groups: number[] = [];
  const parseGroups = (parts: string[], out: number[]): boolean => {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (v4 < 0) return false;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return false;
        out.push(Number.parseInt(p, 16));
      }
    }
    return true;
  };
  const headGroups: number[] = [];
  const tailGroups: number[] = [];
  if (!parseGroups(head, headGroups)) return null;
  if (!parseGroups(tail, tailGroups)) return null;
  if (halves.length === 1) {
    if (headGroups.length !== 8) return null;
    groups.push(...headGroups);
  } else {
    const missing = 8 - headGroups.length - tailGroups.length;
    if (missing < 1) return null;
    groups.push(...headGroups, ...new Array<number>(missing).fill(0), ...tailGroups);
  }
  return [
    ((groups[0] << 16) | groups[1]) >>> 0,
    ((groups[2] << 16) | groups[3]) >>> 0,
    ((groups[4] << 16) | groups[5]) >>> 0,
    ((groups[6] << 16) | groups[7]) >>> 0,
  ];
}

/** Parses an address (`192.0.2.1`, `2001:db8::1`, `[2001:db8::1]`) as a full-length prefix, or null. */
export function parseAddress(text: string): Prefix | null {
  const t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const v4 = parseIPv4(t);
  if (v4 >= 0) return { family: 4, words: [0, 0, 0, v4], length: 32 };
  const v6 = parseIPv6(t);
  return v6 ? { family: 6, words: v6, length: 128 } : null;
}

/**
 * Parses `ADDRESS/LEN` (or a bare address). Host bits set below the prefix are refused
 * rather than silently masked: `10.0.0.1/8` is almost always a typo.
 */
export function parsePrefix(text: string): Prefix | null {
  const slash = text.indexOf('/');
  if (slash < 0) return parseAddress(text);
  const addr = parseAddress(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (!addr || !/^\d{1,3}$/.test(lenText)) return null;
  const length = Number(lenText);
  if (length > (addr.family === 4 ? 32 : 128)) return null;
  const masked = maskWords(addr, length);
  if (masked.some((w, i) => w !== addr.words[i])) return null;
  return { family: addr.family, words: addr.words, length };
}

/** The words of `p` with every bit past `length` cleared (length counts from the family's first bit). */
export function maskWords(
  p: { family: 4 | 6; words: readonly number[] },
  length: number,
): [number, number, number, number] {
  const out: [number, number, number, number] = [p.words[0], p.words[1], p.words[2], p.words[3]];
  const start = p.family === 4 ? 96 : 0;
  const bits = start + length;
  for (let i = 0; i < 4; i++) {
    const keep = Math.min(32, Math.max(0, bits - i * 32));
    out[i] = keep === 0 ? 0 : keep === 32 ? out[i] >>> 0 : (out[i] & (0xffffffff << (32 - keep))) >>> 0;
  }
  return out;
}

/** Formats a prefix canonically: `10.0.0.0/8`, `2001:db8::/32`, a bare address at full length. */
export function formatPrefix(p: Prefix): string {
  const full = p.family === 4 ? 32 : 128;
  const addr = p.family === 4 ? formatIPv4(p.words[3]) : formatIPv6(p.words);
  return p.length === full ? addr : `${addr}/${p.length}`;
}

/** Formats an IPv4 number as a dotted quad. */
export function formatIPv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Formats four words as RFC 5952 text (lowercase, longest zero run compressed). */
export function formatIPv6(words: readonly number[]): string {
  const g: number[] = [];
  for (const w of words) g.push(w >>> 16, w & 0xffff);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * hosts(5) files: `ADDRESS NAME [NAME…]`, `#` to end of line is a comment.
 * A name mapped to a sink address (0.0.0.0, 127.0.0.1, ::, ::1) is blocked exactly (`kind: 'exact'`),
 * because a hosts entry answers for that one name only. Local-host entries of the header
 * (localhost, broadcasthost, ip6-*, `0.0.0.0 0.0.0.0`) are skipped; other addresses would be
 * forged answers and are skipped with a warning.
 */
import { parseAddress } from '../../core/net/address.js';
import { explainBadName } from '../../core/net/name.js';
import type { Rule } from '../model.js';
import type { ListCollector } from './collector.js';
import { normaliseListName } from './name-fast-path.js';
import type { LineParser } from './parser.js';

/** Names every hosts header maps to local addresses; never block rules. */
export const LOCAL_HOST_NAMES: ReadonlySet<string> = new Set([
  'localhost',
  'localhost.localdomain',
  'local',
  'broadcasthost',
  'ip6-localhost',
  'ip6-loopback',
  'ip6-localnet',
  'ip6-mcastprefix',
  'ip6-allnodes',
  'ip6-allrouters',
  'ip6-allhosts',
  '0.0.0.0',
]);

const SINKS: ReadonlySet<string> = new Set([
  '0.0.0.0',
  '127.0.0.1',
  '::',
  '::1',
  '0:0:0:0:0:0:0:0',
  '0:0:0:0:0:0:0:1',
]);
const LOOKS_NUMERIC = /^[\d.]+$/;

/** Reasons shared with the adblock importer, which accepts hosts-style lines. */
export const SKIP_LOCAL = 'local host entry (localhost, broadcasthost, ip6-*, 0.0.0.0)';
export const SKIP_FORGED = 'non-sink address: forged answers are out of scope';

/** True when `address` (maybe with a `%zone`) is a hosts sink address or at least an address at all. */
function classifyAddress(address: string): 'sink' | 'other' | 'invalid' {
  if (SINKS.has(address)) return 'sink';
  const pct = address.indexOf('%');
  const bare = pct > 0 ? address.slice(0, pct) : address;
  const parsed = parseAddress(bare);
  if (!parsed) return 'invalid';
  const w = parsed.words;
  const zero = w[0] === 0 && w[1] === 0 && w[2] === 0;
  if (parsed.family === 6 && zero && (w[3] === 0 || w[3] === 1)) return 'sink';
  return 'other';
}

/**
 * Parses the fields of one hosts line (comment already removed, not blank) into the collector.
 * Every name on the line is one entry.
 */
export function collectHostsFields(fields: string[], c: ListCollector): void {
  const address = fields[0];
  const kind = classifyAddress(address);
  if (fields.length < 2) {
    c.error(
      kind === 'invalid' ? `expected "address name", got "${address}"` : `address "${address}" has no name`,
    );
    return;
  }
  // A line that does not start with an address is one error, not one per word on it.
  if (kind === 'invalid') {
    c.error(`invalid address "${address}"`);
    return;
  }
  c.moreEntries(fields.length - 2);
  for (let i = 1; i < fields.length; i++) {
    const raw = fields[i];
    const name = normaliseListName(raw);
    if (name !== null && LOCAL_HOST_NAMES.has(name)) c.skip(SKIP_LOCAL);
    else if (kind === 'other') c.unsupported(SKIP_FORGED);
    else if (name === null) c.error(`${explainBadName(raw)}: "${raw}"`);
    else if (LOOKS_NUMERIC.test(name) && parseAddress(name)) c.unsupported('address used as a host name');
    else c.rule({ kind: 'exact', value: name } satisfies Rule);
  }
}

/** Splits on runs of spaces and tabs (faster than a regular expression on the hot path). */
export function splitFields(body: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < body.length; i++) {
    const ch = body.charCodeAt(i);
    if (ch === 32 || ch === 9) {
      if (start >= 0) out.push(body.slice(start, i));
      start = -1;
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(body.slice(start));
  return out;
}

/** Removes a `#` comment; returns the remaining text and whether there was one. */
export function stripHashComment(line: string): string {
  const hash = line.indexOf('#');
  return hash < 0 ? line : line.slice(0, hash);
}

/** A parser for hosts files. */
export function createHostsParser(): LineParser {
  return {
    line(text, c) {
      const body = stripHashComment(text).trim();
      if (body.length === 0) {
        c.skip(body.length === text.trim().length ? 'blank' : 'comment');
        return;
      }
      collectHostsFields(splitFields(body), c);
    },
  };
}

/**
 * List version bodies: the canonical lines of a version joined by `\n`, gzip-compressed, with the
 * SHA-256 of the uncompressed text kept beside them so every load is checked against what was saved.
 * Compression runs on libuv's thread pool (async zlib), off the event loop.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { GatehouseError } from '../core/errors.js';
import type { Rule } from '../policy/model.js';
import { formatTarget, parseTarget } from '../policy/target.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** A body ready to store. */
export interface EncodedBody {
  readonly body: Buffer;
  readonly sha256: string;
  readonly ruleCount: number;
}

/**
 * A canonical name as `normaliseName` returns it: lowercase labels of letters, digits, `_` and `-`
 * (not at either end), 1–63 characters each. Anything else goes through `parseTarget`.
 */
const CANONICAL_NAME =
  /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const DIGITS_AND_DOTS = /^[\d.]+$/;

/**
 * `parseTarget` for stored lines, with a fast path for the bulk of every real list: a bare canonical
 * name (`example.com`) or `=name` or `*.name`, which `parseTarget` would turn into exactly the same rule
 * (`list-body.test.ts` checks the equivalence). Names of digits and dots are left to `parseTarget`, which
 * may read them as addresses. This keeps a 1,000,000-rule version well under the 1.5 s load budget.
 */
export function parseStoredLine(line: string): Rule | string {
  const first = line.charCodeAt(0);
  const kind = first === 61 /* = */ ? 'exact' : first === 42 /* * */ ? 'subdomains' : 'subtree';
  const name =
    kind === 'exact' ? line.slice(1) : kind === 'subdomains' && line[1] === '.' ? line.slice(2) : line;
  if (kind === 'subdomains' && name === line) return parseTarget(line);
  if (name.length <= 253 && CANONICAL_NAME.test(name) && !DIGITS_AND_DOTS.test(name))
    return { kind, value: name };
  return parseTarget(line);
}

/** `formatTarget`, with the same fast path: a rule without flags is its value plus the kind's prefix. */
function formatStored(rule: Rule): string {
  if (rule.allow || rule.important || rule.answer !== undefined) return formatTarget(rule);
  if (rule.kind === 'subtree' || rule.kind === 'cidr') return rule.value;
  if (rule.kind === 'exact') return `=${rule.value}`;
  return rule.kind === 'subdomains' ? `*.${rule.value}` : formatTarget(rule);
}

/** Formats rules canonically (dropping duplicates, keeping first-seen order), hashes and compresses them. */
export async function encodeBody(rules: Iterable<Rule>): Promise<EncodedBody> {
  const lines = new Set<string>();
  for (const rule of rules) lines.add(formatStored(rule));
  const text = Buffer.from([...lines].join('\n'), 'utf8');
  const sha256 = createHash('sha256').update(text).digest('hex');
  return { body: await gzipAsync(text), sha256, ruleCount: lines.size };
}

/**
 * A corrupt ISIZE asks for no more than this, and for no more than MAX_RATIO times the compressed
 * size (list text compresses 3–5×): beyond, the output simply comes in more chunks.
 */
const MAX_CHUNK = 256 * 1024 * 1024;
const MAX_RATIO = 32;

/**
 * The output chunk size for decompressing `body` whole: the uncompressed size from the gzip
 * trailer (ISIZE, RFC 1952 §2.3.1) plus one, so the text lands in one buffer. With zlib's default
 * 16 KiB chunks a million-rule version (~18 MiB) came out in ~1,100 buffers, then was copied
 * into one: the freed chunks stayed resident in the compile thread's malloc arena (glibc does not
 * return them), counted against the node. ISIZE is only a hint: a wrong one costs more chunks.
 */
function outputChunk(body: Uint8Array): number {
  if (body.length < 18) return 64;
  const n = body.length;
  const isize = (body[n - 4] | (body[n - 3] << 8) | (body[n - 2] << 16) | (body[n - 1] << 24)) >>> 0;
  return Math.max(64, Math.min(isize + 1, n * MAX_RATIO, MAX_CHUNK));
}

/** Decompresses a body and checks its hash; `where` names the version for error messages. */
export async function decodeLines(body: Uint8Array, sha256: string, where: string): Promise<string[]> {
  let text: Buffer;
  try {
    text = await gunzipAsync(body, { chunkSize: outputChunk(body) });
  } catch (err) {
    throw new GatehouseError('GH_ERR_STORE_CORRUPT', `reading ${where}: body does not decompress`, [], {
      cause: err,
    });
  }
  const actual = createHash('sha256').update(text).digest('hex');
  if (actual !== sha256) {
    throw new GatehouseError(
      'GH_ERR_STORE_CORRUPT',
      `reading ${where}: sha256 is ${actual}, expected ${sha256}`,
    );
  }
  return text.length === 0 ? [] : text.toString('utf8').split('\n');
}

/** Parses stored canonical lines; a line that no longer parses means the store is corrupt. */
export function parseLines(lines: readonly string[], where: string): Rule[] {
  const rules = new Array<Rule>(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const rule = parseStoredLine(lines[i]);
    if (typeof rule === 'string') {
      throw new GatehouseError('GH_ERR_STORE_CORRUPT', `reading ${where} line ${i + 1}: ${rule}`);
    }
    rules[i] = rule;
  }
  return rules;
}

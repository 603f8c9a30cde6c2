/**
 * List import: reads a list line by line (never holding its text twice), hands each line to
 * the format's parser and returns the summary. A stream failure throws GH_ERR_LIST_STREAM and
 * too many bad lines GH_ERR_LIST_ERROR_BUDGET; either way the caller has nothing to save.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { GatehouseError } from '../../core/errors.js';
import { createAdblockParser } from './adblock.js';
import { createCitizenlabParser } from './citizenlab.js';
import { ListCollector } from './collector.js';
import { createDomainsParser } from './domains.js';
import { createHostsParser } from './hosts.js';
import type { LineParser } from './parser.js';
import { createRpzParser } from './rpz.js';
import { type ImportOptions, type ImportSummary, LIST_FORMATS, type ListFormat } from './summary.js';

const PROGRESS_EVERY = 65_536;

/** True when `s` names an importable format. */
export function isListFormat(s: string): s is ListFormat {
  return (LIST_FORMATS as readonly string[]).includes(s);
}

function createParser(format: ListFormat, opts: ImportOptions): LineParser {
  switch (format) {
    case 'hosts':
      return createHostsParser();
    case 'domains':
      return createDomainsParser();
    case 'adblock':
      return createAdblockParser();
    case 'rpz':
      return createRpzParser(opts.origin);
    case 'citizenlab':
      return createCitizenlabParser();
    default:
      throw new GatehouseError('GH_ERR_LIST_FORMAT', `importing a list: unknown format "${String(format)}"`);
  }
}

function begin(format: ListFormat, source: string, opts: ImportOptions): { c: ListCollector; p: LineParser } {
  if (!isListFormat(format)) {
    throw new GatehouseError(
      'GH_ERR_LIST_FORMAT',
      `importing "${source}": unknown format "${String(format)}"`,
    );
  }
  return { c: new ListCollector(source, format, opts.errorBudget), p: createParser(format, opts) };
}

function feed(p: LineParser, c: ListCollector, line: string): void {
  // A byte-order mark is not part of the first entry.
  const text = c.lines === 0 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  c.startLine(text);
  p.line(text, c);
}

/** Parses a whole list held in memory (tests, API bodies). Same outcome as `importList`. */
export function parseListText(text: string, format: ListFormat, opts: ImportOptions = {}): ImportSummary {
  const { c, p } = begin(format, opts.source ?? '<text>', opts);
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const lineEnd = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    feed(p, c, text.slice(start, lineEnd));
    start = end + 1;
  }
  p.finish?.(c);
  opts.onProgress?.({ lines: c.lines, bytes: Buffer.byteLength(text), totalBytes: Buffer.byteLength(text) });
  return c.finish();
}

function streamError(source: string, err: unknown): GatehouseError {
  const what = err instanceof Error ? err.message : String(err);
  return new GatehouseError('GH_ERR_LIST_STREAM', `reading list "${source}": ${what}`, [], { cause: err });
}

async function open(
  input: Readable | string,
  source: string,
): Promise<{ stream: Readable; totalBytes?: number }> {
  if (typeof input !== 'string') return { stream: input };
  try {
    const info = await stat(input);
    if (!info.isFile()) throw new Error(`not a regular file`);
    return { stream: createReadStream(input, { highWaterMark: 256 * 1024 }), totalBytes: info.size };
  } catch (err) {
    throw streamError(source, err);
  }
}

/**
 * Calls `onLine` for each line of `stream` (LF or CRLF endings), decoding UTF-8 across chunk
 * boundaries; only the current chunk and one partial line are held. Any exception thrown by
 * `onLine` stops the stream and rejects; a stream error rejects with GH_ERR_LIST_STREAM.
 */
function readLines(
  stream: Readable,
  source: string,
  onLine: (line: string) => void,
  onBytes: (n: number) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      stream.destroy();
      reject(err);
    };
    const emit = (text: string, final: boolean) => {
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        onLine(text.slice(start, end));
        start = nl + 1;
      }
      rest = text.slice(start);
      if (final && rest.length > 0)
        onLine(rest.charCodeAt(rest.length - 1) === 13 ? rest.slice(0, -1) : rest);
    };
    stream.on('data', (chunk: Buffer | string) => {
      if (failed) return;
      try {
        const isText = typeof chunk === 'string';
        onBytes(isText ? Buffer.byteLength(chunk) : chunk.length);
        const text = isText ? chunk : decoder.write(chunk);
        emit(rest.length > 0 ? rest + text : text, false);
      } catch (err) {
        fail(err);
      }
    });
    stream.on('end', () => {
      if (failed) return;
      try {
        emit(rest + decoder.end(), true);
        resolve();
      } catch (err) {
        fail(err);
      }
    });
    stream.on('error', (err) => fail(streamError(source, err)));
  });
}

/**
 * Imports a list from a file path or a Readable, line by line.
 * Throws GH_ERR_LIST_FORMAT, GH_ERR_LIST_STREAM or GH_ERR_LIST_ERROR_BUDGET.
 */
export async function importList(
  input: Readable | string,
  format: ListFormat,
  opts: ImportOptions = {},
): Promise<ImportSummary> {
  const source = opts.source ?? (typeof input === 'string' ? input : '<stream>');
  const { c, p } = begin(format, source, opts);
  const { stream, totalBytes } = await open(input, source);
  let bytes = 0;
  const progress = () =>
    opts.onProgress?.({ lines: c.lines, bytes, ...(totalBytes === undefined ? {} : { totalBytes }) });
  await readLines(
    stream,
    source,
    (line) => {
      feed(p, c, line);
      if (c.lines % PROGRESS_EVERY === 0) progress();
    },
    (n) => {
      bytes += n;
    },
  );
  p.finish?.(c);
  progress();
  return c.finish();
}

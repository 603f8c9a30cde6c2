/**
 * The spool's codec for record batches: the packed form of sinks/packed.ts (one Float64Array of
 * rows × columns plus the batch's distinct strings) instead of JSON. A slow sink's backlog goes
 * through the spool on the data plane's thread, so this is on the path that decides whether a node
 * catches up: JSON costs ~3 µs a record there and back, packed about a third of that.
 *
 * Frame payload: magic byte 0x52 ('R'), table (0 dns_queries, 1 flows), 2 bytes zero, u32 rows,
 * u32 number of strings, u32 byte length of their text; the length of each string (u32, UTF-16 code
 * units); the strings' text concatenated, ASCII when byte 2 is 1, else UTF-16LE (either way any JS
 * string round-trips, and writing it is a flat copy, where JSON.stringify cost ~150 ns a string);
 * zero padding to 8 bytes; the values
 * (Float64, little-endian; text cells index the strings). Still read: magic 0x50 ('P', strings as
 * one JSON array in UTF-8 after a 12-byte header) and payloads that start with `[` (JSON records),
 * as older spools hold.
 */
import { packDns, packFlows, unpackChunk } from './sinks/chunk.js';
import type { PackedBatch, PackedTable } from './sinks/packed.js';
import { DNS_COLUMNS, dnsRecord, FLOW_COLUMNS, flowRecord, type SqlValue } from './sinks/sql.js';
import type { SpoolCodec } from './spool-frame.js';
import type { DnsQueryRecord, FlowRecord } from './types.js';

const MAGIC_V1 = 0x50;
const MAGIC = 0x52;
const JSON_ARRAY = 0x5b;
const HEADER_V1 = 12;
const HEADER = 16;
const TABLES: readonly PackedTable[] = ['dns_queries', 'flows'];
const COLUMNS = { dns_queries: DNS_COLUMNS, flows: FLOW_COLUMNS } as const;
/** The text columns of each table: their cells are string indexes, renumbered when chunks merge. */
const TEXT_COLUMNS: Record<PackedTable, number[]> = {
  dns_queries: textColumns(DNS_COLUMNS),
  flows: textColumns(FLOW_COLUMNS),
};

function textColumns(columns: readonly string[]): number[] {
  return columns.flatMap((c, k) => (c.split(' ')[1] === 'TEXT' ? [k] : []));
}

/** One frame payload holding the rows of `chunks` in order (layout in the module header). */
function encode(table: PackedTable, chunks: readonly PackedBatch[]): Buffer {
  const width = COLUMNS[table].length;
  let rows = 0;
  let count = 0;
  for (const c of chunks) {
    rows += c.rows;
    count += c.strings.length;
  }
  // `+=` then one flat copy: JSON.stringify of the strings cost ~150 ns a string.
  const lengths = new Uint32Array(count);
  let text = '';
  let k = 0;
  for (const c of chunks)
    for (const v of c.strings) {
      lengths[k++] = v.length;
      text += v;
    }
  // One byte a character when all are ASCII, as names, addresses and pseudonyms are (a native scan).
  const wide = Buffer.byteLength(text, 'utf8') !== text.length;
  const textBytes = wide ? text.length * 2 : text.length;
  const textAt = HEADER + count * 4;
  const valuesAt = (textAt + textBytes + 7) & ~7;
  const out = Buffer.allocUnsafe(valuesAt + rows * width * 8);
  out.fill(0, 0, HEADER);
  out[0] = MAGIC;
  out[1] = TABLES.indexOf(table);
  out[2] = wide ? 0 : 1;
  out.writeUInt32LE(rows, 4);
  out.writeUInt32LE(count, 8);
  out.writeUInt32LE(textBytes, 12);
  Buffer.from(lengths.buffer, 0, lengths.byteLength).copy(out, HEADER);
  out.write(text, textAt, wide ? 'utf16le' : 'latin1'); // UTF-16: any JS string, lone surrogates too
  out.fill(0, textAt + textBytes, valuesAt);
  // The values are written in place when the frame is 8-byte aligned there (a large allocUnsafe is).
  const aligned = (out.byteOffset + valuesAt) % 8 === 0;
  const values = aligned
    ? new Float64Array(out.buffer, out.byteOffset + valuesAt, rows * width)
    : new Float64Array(rows * width);
  const texts = TEXT_COLUMNS[table];
  let at = 0;
  let offset = 0;
  for (const c of chunks) {
    const end = at + c.rows * width;
    values.set(c.values.subarray(0, c.rows * width), at);
    if (offset > 0)
      for (let i = at; i < end; i += width)
        for (const t of texts) if ((values[i + t] as number) >= 0) (values[i + t] as number) += offset;
    at = end;
    offset += c.strings.length;
  }
  if (!aligned) Buffer.from(values.buffer).copy(out, valuesAt);
  return out;
}

/** The strings of a frame: one text cut by lengths (v2), or a JSON array (v1). */
function strings(bytes: Buffer, v2: boolean): { list: string[]; end: number } {
  if (!v2) {
    const n = bytes.readUInt32LE(8);
    const list = JSON.parse(bytes.toString('utf8', HEADER_V1, HEADER_V1 + n)) as string[];
    return { list, end: HEADER_V1 + n };
  }
  const count = bytes.readUInt32LE(8);
  const textBytes = bytes.readUInt32LE(12);
  const textAt = HEADER + count * 4;
  const latin1 = bytes[2] === 1;
  if ((!latin1 && textBytes % 2 !== 0) || textAt + textBytes > bytes.length)
    throw new RangeError('packed strings out of range');
  const text = bytes.toString(latin1 ? 'latin1' : 'utf16le', textAt, textAt + textBytes);
  const lengths = new Uint32Array(count); // copied out: the frame need not be 4-byte aligned
  Buffer.from(lengths.buffer).set(bytes.subarray(HEADER, textAt));
  const list = new Array<string>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const end = at + (lengths[i] as number);
    if (end > text.length) throw new RangeError('packed strings out of range');
    list[i] = text.slice(at, end);
    at = end;
  }
  return { list, end: textAt + textBytes };
}

/** The packed batch of a frame written by `encode`; a JSON frame (older spools) is packed by `pack`. */
function decodePacked(
  bytes: Buffer,
  table: PackedTable,
  pack: (records: never[]) => PackedBatch,
): PackedBatch {
  if (bytes[0] === JSON_ARRAY) return pack(JSON.parse(bytes.toString('utf8')) as never[]);
  if (
    bytes.length < HEADER ||
    (bytes[0] !== MAGIC && bytes[0] !== MAGIC_V1) ||
    TABLES[bytes[1] as number] !== table
  )
    throw new RangeError('not a packed record batch');
  const width = COLUMNS[table].length;
  const rows = bytes.readUInt32LE(4);
  const text = strings(bytes, bytes[0] === MAGIC);
  const valuesAt = (text.end + 7) & ~7;
  if (valuesAt + rows * width * 8 !== bytes.length)
    throw new RangeError('packed record batch of the wrong size');
  // Copied out: the frame's buffer need not be 8-byte aligned, and the array is transferred later.
  const values = new Float64Array(rows * width);
  Buffer.from(values.buffer).set(bytes.subarray(valuesAt));
  return { table, rows, values, strings: text.list };
}

function decode<T>(bytes: Buffer, table: PackedTable, toRecord: (v: SqlValue[]) => T): T[] {
  if (bytes[0] === JSON_ARRAY) return JSON.parse(bytes.toString('utf8')) as T[];
  return unpackChunk(
    decodePacked(bytes, table, () => {
      throw new RangeError('unreachable');
    }),
    toRecord,
  );
}

/** Spool codec for DNS query records. */
export const dnsSpoolCodec: SpoolCodec<DnsQueryRecord> = {
  encode: (batch) => encode('dns_queries', [packDns(batch)]),
  decode: (bytes) => decode(bytes, 'dns_queries', dnsRecord),
};

/** Spool codec for flow records. */
export const flowSpoolCodec: SpoolCodec<FlowRecord> = {
  encode: (batch) => encode('flows', [packFlows(batch)]),
  decode: (bytes) => decode(bytes, 'flows', flowRecord),
};

/**
 * Spool codec for the pipeline's packed chunks (sinks/chunk.ts) of one table: a batch of chunks is
 * one frame in the format above (merged), read back as one chunk; JSON frames of older spools are
 * read and packed.
 */
export function chunkSpoolCodec(table: PackedTable): SpoolCodec<PackedBatch> {
  const pack = (table === 'dns_queries' ? packDns : packFlows) as (records: never[]) => PackedBatch;
  return {
    encode: (chunks) => encode(table, chunks),
    decode: (bytes) => [decodePacked(bytes, table, pack)],
  };
}

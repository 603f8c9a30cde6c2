/**
 * Records packed AT PUSH into chunks of `CHUNK_ROWS` rows (the packed form of packed.ts), so that no
 * record object outlives the call that made it. At 200,000 records/s, record objects waiting in the
 * batcher for their batch survived every scavenge, were copied and promoted to the old generation:
 * the main thread spent more time in GC than in everything else the records path does. A chunk is one
 * Float64Array (off the V8 heap, transferred to the sink worker without a copy) and one array of
 * strings; the batcher, the spool and the sinks take chunks as they are.
 *
 * Low-cardinality columns (transport, ISP, verdict, upstream, listener) are interned per chunk: one
 * string table entry per distinct value, whatever the order of the rows.
 */
import type { DnsQueryRecord, FlowRecord } from '../types.js';
import type { PackedBatch, PackedTable, RowSource } from './packed.js';
import { packedRows } from './packed.js';
import { DNS_COLUMNS, dnsRecord, FLOW_COLUMNS, flowRecord, type SqlValue } from './sql.js';

/** Rows per chunk: the DNS workers' record batch too (pool.ts), so a worker's batch is one chunk. */
export const CHUNK_ROWS = 512;

/** Packs records one at a time; `add` hands back a chunk each time one fills. */
export interface Chunker<T> {
  /** Packs `r`; returns the chunk it filled, or null. O(1), never throws for a well-formed record. */
  add(r: T): PackedBatch | null;
  /** The partial chunk (null when empty); the next `add` starts a new one. */
  seal(): PackedBatch | null;
  /** Rows packed and not yet handed back. */
  readonly pending: number;
}

abstract class ChunkerBase<T> implements Chunker<T> {
  protected values: Float64Array;
  protected strings: string[] = [];
  protected at = 0;
  #rows = 0;
  readonly #table: PackedTable;
  readonly #width: number;
  readonly #capacity: number;
  readonly #intern: Map<string, number>[];

  constructor(table: PackedTable, width: number, capacity: number, internColumns: number) {
    this.#table = table;
    this.#width = width;
    this.#capacity = Math.max(1, capacity);
    this.values = new Float64Array(this.#capacity * width);
    this.#intern = Array.from({ length: internColumns }, () => new Map<string, number>());
  }

  get pending(): number {
    return this.#rows;
  }

  protected abstract write(r: T): void;

  add(r: T): PackedBatch | null {
    this.write(r);
    this.at += this.#width;
    return ++this.#rows === this.#capacity ? this.seal() : null;
  }

  seal(): PackedBatch | null {
    const rows = this.#rows;
    if (rows === 0) return null;
    const full = rows === this.#capacity;
    const values = full ? this.values : this.values.slice(0, rows * this.#width);
    const out: PackedBatch = { table: this.#table, rows, values, strings: this.strings };
    // A full chunk's array leaves with it (transferred); a partial one was copied out and is reused.
    if (full) this.values = new Float64Array(this.#capacity * this.#width);
    this.strings = [];
    for (const m of this.#intern) m.clear();
    this.#rows = 0;
    this.at = 0;
    return out;
  }

  /** Index of `v` (appended), or -1 for null. */
  protected text(v: string | null): number {
    return v === null ? -1 : this.strings.push(v) - 1;
  }

  /** Index of `v` in interned column `c`, appended the first time the chunk sees it. */
  protected low(c: number, v: string | null): number {
    if (v === null) return -1;
    const m = this.#intern[c] as Map<string, number>;
    let id = m.get(v);
    if (id === undefined) {
      id = this.strings.push(v) - 1;
      m.set(v, id);
    }
    return id;
  }
}

class DnsChunker extends ChunkerBase<DnsQueryRecord> {
  constructor(capacity: number) {
    super('dns_queries', DNS_COLUMNS.length, capacity, 4);
  }

  /** Cells in `DNS_COLUMNS` order, as `putDnsRow` writes them (a test checks it). */
  protected write(r: DnsQueryRecord): void {
    const v = this.values;
    const at = this.at;
    v[at] = r.time;
    v[at + 1] = this.text(r.clientAddress);
    v[at + 2] = r.clientPort === null ? Number.NaN : r.clientPort;
    v[at + 3] = this.low(0, r.transport);
    v[at + 4] = this.low(1, r.isp);
    v[at + 5] = this.text(r.subscriber);
    v[at + 6] = this.text(r.qname);
    v[at + 7] = r.qtype;
    v[at + 8] = r.rcode;
    v[at + 9] = this.low(2, r.verdict);
    v[at + 10] = r.orderId;
    v[at + 11] = r.ruleId;
    v[at + 12] = r.cacheHit ? 1 : 0;
    v[at + 13] = this.low(3, r.upstream);
    v[at + 14] = r.latencyUs;
    v[at + 15] = r.ede === null ? Number.NaN : r.ede;
  }
}

class FlowChunker extends ChunkerBase<FlowRecord> {
  constructor(capacity: number) {
    super('flows', FLOW_COLUMNS.length, capacity, 3);
  }

  /** Cells in `FLOW_COLUMNS` order, as `putFlowRow` writes them. */
  protected write(r: FlowRecord): void {
    const v = this.values;
    const at = this.at;
    v[at] = r.start;
    v[at + 1] = r.end;
    v[at + 2] = this.text(r.clientAddress);
    v[at + 3] = this.low(0, r.isp);
    v[at + 4] = this.text(r.subscriber);
    v[at + 5] = this.low(1, r.listener);
    v[at + 6] = this.text(r.destinationName);
    v[at + 7] = this.text(r.destinationAddress);
    v[at + 8] = r.port;
    v[at + 9] = r.bytesUp;
    v[at + 10] = r.bytesDown;
    v[at + 11] = this.low(2, r.verdict);
    v[at + 12] = r.orderId;
    v[at + 13] = r.throttled ? 1 : 0;
    v[at + 14] = r.ech ? 1 : 0;
  }
}

/** Packs a whole batch of DNS query records as one chunk of its size (the record-array paths). */
export function packDns(batch: readonly DnsQueryRecord[]): PackedBatch {
  return packAll('dns_queries', new DnsChunker(batch.length), batch);
}

/** Packs a whole batch of flow records as one chunk of its size. */
export function packFlows(batch: readonly FlowRecord[]): PackedBatch {
  return packAll('flows', new FlowChunker(batch.length), batch);
}

/** The chunker holds exactly the batch, so its last `add` hands the chunk back. */
function packAll<T>(table: PackedTable, chunker: Chunker<T>, batch: readonly T[]): PackedBatch {
  let out: PackedBatch | null = null;
  for (const r of batch) out = chunker.add(r) ?? out;
  return out ?? { table, rows: 0, values: new Float64Array(0), strings: [] };
}

/** A chunker for DNS query records. */
export function dnsChunker(rows = CHUNK_ROWS): Chunker<DnsQueryRecord> {
  return new DnsChunker(rows);
}

/** A chunker for flow records. */
export function flowChunker(rows = CHUNK_ROWS): Chunker<FlowRecord> {
  return new FlowChunker(rows);
}

/** Rows in a list of chunks. */
export function chunkRowCount(chunks: readonly PackedBatch[]): number {
  let n = 0;
  for (const c of chunks) n += c.rows;
  return n;
}

/**
 * The rows of several chunks as one source, for one transaction. Rows are read in order (the
 * binders do), so the chunk of row `i` is found by moving a cursor, not by a search.
 */
export function chunkRows(chunks: readonly PackedBatch[]): RowSource {
  const sources = chunks.map(packedRows);
  let c = 0;
  let base = 0;
  return {
    length: chunkRowCount(chunks),
    put(i, out, at) {
      if (i < base) {
        c = 0;
        base = 0;
      }
      while (i - base >= (sources[c] as RowSource).length) base += (sources[c++] as RowSource).length;
      (sources[c] as RowSource).put(i - base, out, at);
    },
  };
}

/** One chunk holding the rows of `chunks` in order (string indexes renumbered); the spool's frame. */
export function mergeChunks(chunks: readonly PackedBatch[]): PackedBatch {
  const first = chunks[0];
  if (first === undefined) return { table: 'dns_queries', rows: 0, values: new Float64Array(0), strings: [] };
  if (chunks.length === 1) return first;
  const text = (first.table === 'dns_queries' ? DNS_COLUMNS : FLOW_COLUMNS).map(
    (c) => c.split(' ')[1] === 'TEXT',
  );
  const width = text.length;
  const rows = chunkRowCount(chunks);
  const values = new Float64Array(rows * width);
  const strings: string[] = [];
  let at = 0;
  for (const c of chunks) {
    const offset = strings.length;
    for (const s of c.strings) strings.push(s);
    values.set(c.values.subarray(0, c.rows * width), at);
    if (offset > 0)
      for (let i = at; i < at + c.rows * width; i += width)
        for (let k = 0; k < width; k++) {
          const v = values[i + k] as number;
          if (text[k] && v >= 0) values[i + k] = v + offset;
        }
    at += c.rows * width;
  }
  return { table: first.table, rows, values, strings };
}

/** The records of a chunk again (exporters, the PostgreSQL sink, old spools): short-lived objects. */
export function unpackChunk<T>(p: PackedBatch, toRecord: (v: SqlValue[]) => T): T[] {
  const width = p.table === 'dns_queries' ? DNS_COLUMNS.length : FLOW_COLUMNS.length;
  const source = packedRows(p);
  const out = new Array<T>(p.rows);
  const row = new Array<SqlValue>(width).fill(null);
  for (let i = 0; i < p.rows; i++) {
    source.put(i, row, 0);
    out[i] = toRecord(row);
  }
  return out;
}

/** DNS query records of chunks, in order. */
export const unpackDnsChunks = (chunks: readonly PackedBatch[]): DnsQueryRecord[] =>
  chunks.flatMap((c) => unpackChunk(c, dnsRecord));

/** Flow records of chunks, in order. */
export const unpackFlowChunks = (chunks: readonly PackedBatch[]): FlowRecord[] =>
  chunks.flatMap((c) => unpackChunk(c, flowRecord));

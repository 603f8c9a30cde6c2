/**
 * A batch of records packed for the trip to the records worker: one Float64Array of rows × columns
 * (transferred, not copied) and one array of the batch's distinct strings. Structured-cloning record
 * objects costs ~2 µs a record (every property name is written and read back, every string twice);
 * packed, a record costs well under 0.5 µs, and the worker binds straight from the array without
 * building objects. The packers are the chunkers of chunk.ts (`packDns`, `packFlows`): a test checks their columns
 * against `putDnsRow`.
 *
 * Cell encoding: numeric columns hold their value (integers up to 2^53 are exact), NaN for NULL;
 * text columns hold the string's index in `strings`, -1 for NULL.
 */
import { DNS_COLUMNS, FLOW_COLUMNS, type SqlValue } from './sql.js';

/** The tables a packed batch is for. */
export type PackedTable = 'dns_queries' | 'flows';

/** A packed batch (structured-clone safe; transfer `values.buffer`). */
export interface PackedBatch {
  readonly table: PackedTable;
  readonly rows: number;
  readonly values: Float64Array;
  readonly strings: string[];
}

/** Rows to bind, whatever their origin: `put` writes row `i`'s values into `out` from `at`. */
export interface RowSource {
  readonly length: number;
  put(i: number, out: SqlValue[], at: number): void;
}

const isText = (columns: readonly string[]): boolean[] => columns.map((c) => c.split(' ')[1] === 'TEXT');
const TEXT: Record<PackedTable, boolean[]> = {
  dns_queries: isText(DNS_COLUMNS),
  flows: isText(FLOW_COLUMNS),
};

/** The rows of a packed batch, for the SQLite sink's binder. */
export function packedRows(p: PackedBatch): RowSource {
  const text = TEXT[p.table];
  const width = text.length;
  const { values, strings } = p;
  return {
    length: p.rows,
    put(i, out, at) {
      const base = i * width;
      for (let k = 0; k < width; k++) {
        const v = values[base + k] as number;
        out[at + k] = text[k] ? (v < 0 ? null : (strings[v] as string)) : Number.isNaN(v) ? null : v;
      }
    },
  };
}

/** The rows of record objects, for the SQLite sink's binder (no copy). */
export function recordRows<T>(
  batch: readonly T[],
  put: (r: T, out: SqlValue[], at: number) => void,
): RowSource {
  return { length: batch.length, put: (i, out, at) => put(batch[i] as T, out, at) };
}

/**
 * The SQLite sink's statement shape in isolation (issue 5's records target): CPU µs per record to
 * store packed chunks with N rows per multi-row INSERT, page size, `wal_autocheckpoint` and
 * `cache_size` varied, one thread, batches as the pipeline sends them. Not the issue's figure (that is
 * bench/records.ts); it says which settings the sink should use.
 *
 *   node dist/bench/records-sqlite-shape.js   RECORDS=1000000 BATCH=10240
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { chunkRows, dnsChunker } from '../src/records/sinks/chunk.js';
import type { PackedBatch } from '../src/records/sinks/packed.js';
import { DNS_COLUMNS, insertSql, recordsDdl, type SqlValue } from '../src/records/sinks/sql.js';
import { syntheticRecord } from './records-synthetic.js';

const RECORDS = Number(process.env.RECORDS ?? 1_000_000);
const BATCH = Number(process.env.BATCH ?? 10_240);

interface Shape {
  readonly rows: number;
  readonly pageSize: number;
  readonly autocheckpoint: number;
  readonly cacheKiB: number;
}

function batches(): PackedBatch[][] {
  const chunker = dnsChunker();
  const out: PackedBatch[][] = [];
  let batch: PackedBatch[] = [];
  let rows = 0;
  const now = Date.now();
  for (let i = 0; i < RECORDS; i++) {
    const c = chunker.add(syntheticRecord(i, now + (i >> 10)));
    if (c === null) continue;
    batch.push(c);
    rows += c.rows;
    if (rows >= BATCH) {
      out.push(batch);
      batch = [];
      rows = 0;
    }
  }
  const last = chunker.seal();
  if (last !== null) batch.push(last);
  if (batch.length > 0) out.push(batch);
  return out;
}

function run(shape: Shape, input: PackedBatch[][]): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-shape-'));
  try {
    const db = new Database(join(dir, 'records.db'));
    db.pragma(`page_size = ${shape.pageSize}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`wal_autocheckpoint = ${shape.autocheckpoint}`);
    db.pragma(`cache_size = -${shape.cacheKiB}`);
    for (const sql of recordsDdl('sqlite')) db.exec(sql);
    const width = DNS_COLUMNS.length;
    const many = db.prepare(insertSql('dns_queries', shape.rows));
    const one = db.prepare(insertSql('dns_queries', 1));
    const params = new Array<SqlValue>(width * shape.rows).fill(null);
    const row = new Array<SqlValue>(width).fill(null);
    const write = db.transaction((chunks: PackedBatch[]) => {
      const rows = chunkRows(chunks);
      let i = 0;
      for (; i + shape.rows <= rows.length; i += shape.rows) {
        for (let j = 0; j < shape.rows; j++) rows.put(i + j, params, j * width);
        many.run(params);
      }
      for (; i < rows.length; i++) {
        rows.put(i, row, 0);
        one.run(row);
      }
    });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const b of input) write(b);
    const cpu = process.cpuUsage(c0);
    const wall = (performance.now() - t0) / 1000;
    db.close();
    const us = (x: number): string => (x / RECORDS).toFixed(2);
    return (
      `  rows/INSERT ${String(shape.rows).padStart(3)}, page ${String(shape.pageSize).padStart(5)}, ` +
      `autocheckpoint ${String(shape.autocheckpoint).padStart(5)}, cache ${shape.cacheKiB} KiB: ` +
      `${us(cpu.user + cpu.system)} µs/record CPU (user ${us(cpu.user)}, system ${us(cpu.system)}), ` +
      `${Math.round(RECORDS / wall).toLocaleString('en')} records/s`
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const input = batches();
console.log(`SQLite sink statement shape: ${RECORDS.toLocaleString('en')} records in batches of ~${BATCH}`);
const base: Shape = { rows: 100, pageSize: 4096, autocheckpoint: 1000, cacheKiB: 2000 };
const shapes: Shape[] = [
  base,
  { ...base, rows: 50 },
  { ...base, rows: 200 },
  { ...base, pageSize: 16384 },
  { ...base, pageSize: 65536 },
  { ...base, autocheckpoint: 10_000 },
  { ...base, cacheKiB: 32_000 },
  { ...base, pageSize: 16384, autocheckpoint: 2500, cacheKiB: 32_000 },
  { ...base, pageSize: 65536, autocheckpoint: 1000, cacheKiB: 32_000 },
  { ...base, rows: 50, pageSize: 65536, autocheckpoint: 1000, cacheKiB: 32_000 },
];
run(base, input); // warm-up: JIT and page cache
const rounds = Number(process.env.ROUNDS ?? 2);
for (let r = 0; r < rounds; r++) for (const s of shapes) console.log(run(s, input));

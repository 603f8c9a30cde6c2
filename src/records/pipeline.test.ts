import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RecordExporter } from './exporters/exporter.js';
import { startRecords } from './pipeline.js';
import { packDns, unpackDnsChunks } from './sinks/chunk.js';
import type { PackedBatch } from './sinks/packed.js';
import { dnsRecordAt, flowRecordAt } from './sinks/records.fixture.js';
import { createSqliteSink, recordsDbPath } from './sinks/sqlite.js';
import { createWorkerSink } from './sinks/worker.js';
import { type Transpiled, transpileRecords } from './transpile.test-helper.js';
import type { DnsQueryRecord, FlowRecord } from './types.js';

let js: Transpiled;
let dir: string;
beforeAll(() => {
  js = transpileRecords(); // the sink worker runs plain JavaScript
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-records-pipeline-'));
});
afterAll(() => {
  js.remove();
  rmSync(dir, { recursive: true, force: true });
});

const base = {
  flushIntervalMs: 20,
  spoolBytes: 1 << 26,
  onDrop: () => {
    throw new Error('nothing may be dropped');
  },
};
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('records packed at push, through the SQLite worker sink', () => {
  test.each([
    { batchSize: 1000, maxQueue: 100_000, dns: 5000, flows: 77 },
    { batchSize: 7, maxQueue: 50, dns: 1234, flows: 3 },
  ])(
    'batch $batchSize, queue $maxQueue: $dns DNS records and $flows flows stored in push order, and exported',
    async (o) => {
      const dataDir = mkdtempSync(join(dir, 'run-'));
      const exported = { dns: [] as DnsQueryRecord[], flow: [] as FlowRecord[] };
      const exporter: RecordExporter = {
        name: 'test',
        dns: (b) => {
          exported.dns.push(...b);
        },
        flow: (b) => {
          exported.flow.push(...b);
        },
        stats: () => ({}) as ReturnType<RecordExporter['stats']>,
        close: async () => undefined,
      };
      const path = recordsDbPath(dataDir);
      const sink = await createWorkerSink({ path, workerUrl: js.url('src/records/sinks/sqlite-worker.js') });
      const records = await startRecords({ ...base, ...o, dataDir, sink, exporters: [exporter] });
      const dns = range(0, o.dns).map((i) => dnsRecordAt(i));
      // A DNS worker's packed batch goes in between records pushed one by one (it may overtake those
      // not yet sent: records of different threads have no order); each source keeps its own order.
      const cut = Math.floor(o.dns / 3);
      for (const r of dns.slice(0, cut)) records.dns(r);
      records.dnsPacked(packDns(dns.slice(cut, 2 * cut)));
      for (const r of dns.slice(2 * cut)) records.dns(r);
      for (const i of range(0, o.flows)) records.flow(flowRecordAt(i));
      expect(records.stats().dns.pushed).toBe(o.dns);
      await records.close();
      const s = records.stats();
      expect(s.dns).toMatchObject({ pushed: o.dns, written: o.dns, dropped: 0, queued: 0 });
      expect(s.flow).toMatchObject({ pushed: o.flows, written: o.flows, dropped: 0, queued: 0 });
      const db = createSqliteSink({ path });
      try {
        expect(db.count()).toEqual({ dnsQueries: o.dns, flows: o.flows });
        const stored = db.query({ from: 0, to: Number.MAX_SAFE_INTEGER, limit: 1e6 });
        expect(stored).toEqual(dns); // the query orders by time: every record, exactly once
        expect(db.queryFlows({ from: 0, to: Number.MAX_SAFE_INTEGER, limit: 1e6 })).toEqual(
          range(0, o.flows).map((i) => flowRecordAt(i)),
        );
      } finally {
        db.close();
      }
      // Exporters get what the store accepted, in the order it did: each source in its own order.
      expect(exported.dns).toHaveLength(o.dns);
      const worker = new Set(dns.slice(cut, 2 * cut).map((r) => r.time));
      expect(exported.dns.filter((r) => worker.has(r.time))).toEqual(dns.slice(cut, 2 * cut));
      expect(exported.dns.filter((r) => !worker.has(r.time))).toEqual([
        ...dns.slice(0, cut),
        ...dns.slice(2 * cut),
      ]);
      expect(exported.flow).toHaveLength(o.flows);
    },
  );
});

describe('a failing store: chunks go through the disk spool and back, in order', () => {
  test('every record stored once, in push order, none dropped', { timeout: 20_000 }, async () => {
    const dataDir = mkdtempSync(join(dir, 'spool-'));
    let failures = 3;
    const stored: DnsQueryRecord[] = [];
    const chunks = {
      write: (b: readonly PackedBatch[]) => {
        if (failures-- > 0) throw new Error('store down');
        stored.push(...unpackDnsChunks(b));
      },
    };
    const unused = { write: () => Promise.reject(new Error('records go to chunks')) };
    const records = await startRecords({
      ...{ ...base, batchSize: 100, maxQueue: 1000, dataDir },
      sink: { dns: unused, flows: unused, chunks, close: () => undefined },
    });
    const dns = range(0, 2500).map((i) => dnsRecordAt(i));
    for (const r of dns) records.dns(r);
    // The store rests 1 s after each failure (the batcher's retry), then replays the spool.
    for (let waited = 0; records.stats().dns.written < 2500 && waited < 15_000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    await records.close();
    expect(records.stats().dns.spooled).toBeGreaterThan(0);
    expect(records.stats().dns).toMatchObject({ pushed: 2500, written: 2500, dropped: 0 });
    expect(stored).toEqual(dns);
  });
});

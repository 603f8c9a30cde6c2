import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { isGatehouseError } from '../../core/errors.js';
import { createBatcher } from '../batcher.js';
import { type Transpiled, transpileRecords } from '../transpile.test-helper.js';
import { dnsRecordAt, flowRecordAt } from './records.fixture.js';
import { createWorkerSink } from './worker.js';

let js: Transpiled;
let dir: string;
beforeAll(() => {
  js = transpileRecords(); // the worker runs plain JavaScript
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-records-worker-'));
});
afterAll(() => {
  js.remove();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = 1_700_000_000_000;

test('the worker sink stores what the batcher pushes, and answers queries', async () => {
  const workerUrl = js.url('src/records/sinks/sqlite-worker.js');
  const sink = await createWorkerSink({ path: join(dir, 'records.db'), workerUrl });
  const batcher = createBatcher({ maxQueue: 20_000, batchSize: 5000, flushIntervalMs: 1000, sink: sink.dns });
  for (let i = 0; i < 20_000; i++) batcher.push(dnsRecordAt(i, T0));
  await batcher.close();
  await sink.flows.write([flowRecordAt(1, T0)]);
  expect(await sink.count()).toEqual({ dnsQueries: 20_000, flows: 1 });
  expect(await sink.query({ from: T0 + 5, to: T0 + 8, limit: 10 })).toEqual(
    [5, 6, 7].map((i) => dnsRecordAt(i, T0)),
  );
  expect(await sink.queryFlows({ from: T0, to: T0 + 10, limit: 10 })).toEqual([flowRecordAt(1, T0)]);
  await sink.close();
  await expect(sink.dns.write([dnsRecordAt(0, T0)])).rejects.toSatisfy((e) =>
    isGatehouseError(e, 'GH_ERR_RECORDS_SINK'),
  );
});

test('a database the worker cannot open rejects with GH_ERR_RECORDS_SINK', async () => {
  writeFileSync(join(dir, 'file'), 'x');
  const workerUrl = js.url('src/records/sinks/sqlite-worker.js');
  await expect(createWorkerSink({ path: join(dir, 'file', 'records.db'), workerUrl })).rejects.toSatisfy(
    (e) => isGatehouseError(e, 'GH_ERR_RECORDS_SINK'),
  );
});

import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aggregateMark } from './aggregate.js';
import { createPseudonymiser, destroyEpochKey, listEpochKeys } from './pseudonym.js';
import { classify, createRecordsHome, dnsAt, flowAt, type RecordsHome } from './retention.fixture.js';
import { createRetentionJob, keyDestroyAt, type RetentionPeriods } from './retention.js';
import { retentionStatus } from './retention-status.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = 20_000 * DAY; // a day boundary, 2024-10-04
const periods: RetentionPeriods = { dns: 7 * DAY, flow: 3 * DAY, lease: 2 * DAY };

let home: RecordsHome;
let now = T0;

beforeEach(() => {
  home = createRecordsHome();
  now = T0;
});
afterEach(() => home.cleanup());

function job(extra: Partial<Parameters<typeof createRetentionJob>[0]> = {}) {
  return createRetentionJob({
    db: home.db,
    keyDir: home.keyDir,
    retention: periods,
    intervalMs: HOUR,
    batchSize: 100,
    classify,
    now: () => now,
    ...extra,
  });
}

const count = (table: string) => Number(home.db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get());
const aggregated = (kind: string) =>
  Number(home.db.prepare('SELECT SUM(count) FROM record_aggregates WHERE kind = ?').pluck().get(kind) ?? 0);

describe('retention of records', () => {
  it.each([
    ['dns older than its retention is deleted', 'dns', 7 * DAY + 1, 0],
    ['dns exactly its retention old is still kept', 'dns', 7 * DAY, 1],
    ['dns younger is kept', 'dns', DAY, 1],
    ['flow older than its shorter retention is deleted', 'flow', 3 * DAY + 1, 0],
    ['flow exactly its retention old is kept', 'flow', 3 * DAY, 1],
  ] as const)('%s', async (_name, kind, age, kept) => {
    if (kind === 'dns') home.sink.dns.write([dnsAt(now - age)]);
    else home.sink.flows.write([flowAt(now - age)]);
    await job().run();
    expect(count(kind === 'dns' ? 'dns_queries' : 'flows')).toBe(kept);
    expect(aggregated(kind)).toBe(1);
  });

  it('deletes many expired rows in bounded batches, keeps the unexpired, and rolls all of them up first', async () => {
    const old = Array.from({ length: 1234 }, (_, i) => dnsAt(now - 8 * DAY + i));
    const fresh = Array.from({ length: 56 }, (_, i) => dnsAt(now - DAY + i));
    home.sink.dns.write([...old, ...fresh]);
    home.sink.flows.write(Array.from({ length: 345 }, (_, i) => flowAt(now - 4 * DAY + i)));
    const r = await job().run();
    expect(r.deleted).toEqual({ dns: 1234, flow: 345, lease: 0 });
    expect(r.aggregated).toEqual({ dns: 1290, flow: 345 });
    expect(count('dns_queries')).toBe(56);
    expect(count('flows')).toBe(0);
    expect(aggregated('dns')).toBe(1290);
    expect(aggregated('flow')).toBe(345);
  });

  it('never deletes a record that is not rolled up yet, and counts new rows after the table emptied', async () => {
    home.sink.dns.write([dnsAt(now - 8 * DAY), dnsAt(now - 8 * DAY + 1)]);
    await job().run();
    expect(count('dns_queries')).toBe(0);
    // SQLite reuses rowids once a table is empty: the mark must have followed, or these would be skipped.
    expect(aggregateMark(home.db, 'dns')).toBe(0);
    home.sink.dns.write([dnsAt(now - 8 * DAY + 2), dnsAt(now)]);
    await job().run();
    expect(aggregated('dns')).toBe(4);
    expect(count('dns_queries')).toBe(1);
  });

  it('prunes the lease history at now minus the lease retention', async () => {
    const asked: number[] = [];
    const r = await job({
      leases: {
        prune: (before) => {
          asked.push(before);
          return 3;
        },
      },
    }).run();
    expect(asked).toEqual([now - periods.lease]);
    expect(r.deleted.lease).toBe(3);
  });
});

describe('epoch keys', () => {
  /** Makes the keys of epochs `from`..`to` as the pseudonymiser does. */
  const makeKeys = (from: number, to: number) => {
    for (let e = from; e <= to; e++) {
      createPseudonymiser({ keyDir: home.keyDir, now: () => e * DAY }).pseudonym('isp-a', 'sub-1');
    }
  };
  const epoch = T0 / DAY;

  it.each([
    ['one ms before it is due', -1, true],
    ['exactly when due', 0, false],
    ['later', DAY, false],
  ])(
    'a key is kept until its epoch and the longest pseudonymous retention have passed: %s',
    async (_n, offset, kept) => {
      makeKeys(epoch - 10, epoch - 10);
      const e = epoch - 10;
      // Longest of dns (7 d) and flow (3 d): leases carry no pseudonym and do not count.
      expect(keyDestroyAt(e, DAY, periods)).toBe((e + 1) * DAY + 7 * DAY);
      now = keyDestroyAt(e, DAY, periods) + offset;
      const destroyed: number[] = [];
      const r = await job({ onKeyDestroyed: (ep) => void destroyed.push(ep) }).run();
      expect(listEpochKeys(home.keyDir).map((k) => k.epoch)).toEqual(kept ? [e] : []);
      expect(r.keysDestroyed).toEqual(kept ? [] : [e]);
      expect(destroyed).toEqual(r.keysDestroyed);
    },
  );

  it('destroys exactly the due keys and the status shows when the rest go', async () => {
    makeKeys(epoch - 10, epoch);
    const r = await job().run();
    // Epoch e is due at (e + 8) days: epochs up to T0/DAY - 8 are due at T0.
    expect(r.keysDestroyed).toEqual([epoch - 10, epoch - 9, epoch - 8]);
    const s = retentionStatus({ db: home.db, keyDir: home.keyDir, retention: periods, now });
    expect(s.keys.map((k) => k.epoch)).toEqual(Array.from({ length: 8 }, (_, i) => epoch - 7 + i));
    expect(s.keys[0]?.destroyAt).toBe(now + DAY);
  });

  it('makes the pseudonyms of a destroyed epoch impossible to compute, and never recreates the key', async () => {
    makeKeys(epoch - 9, epoch - 9);
    const p = createPseudonymiser({ keyDir: home.keyDir, now: () => now });
    const at = (epoch - 9) * DAY + HOUR;
    const before = p.pseudonymAt('isp-a', 'sub-1', at);
    expect(before).toMatch(new RegExp(`^p${epoch - 9}-`));
    await job().run();
    expect(p.pseudonymAt('isp-a', 'sub-1', at)).toBeNull();
    expect(listEpochKeys(home.keyDir)).toEqual([]);
    // The current epoch still works (and its key is made on demand).
    expect(p.pseudonymAt('isp-a', 'sub-1', now)).toBe(p.pseudonym('isp-a', 'sub-1'));
  });

  it('overwrites the key file with zeros before unlinking it', () => {
    makeKeys(epoch, epoch);
    const [key] = listEpochKeys(home.keyDir);
    expect(key).toBeDefined();
    const original = readFileSync(key!.file);
    expect(original.some((b) => b !== 0)).toBe(true);
    expect(destroyEpochKey(home.keyDir, epoch)).toBe(true);
    expect(existsSync(key!.file)).toBe(false);
    expect(destroyEpochKey(home.keyDir, epoch)).toBe(false);
  });
});

describe('the schedule', () => {
  it('runs at start and again after the interval, and close waits for a run', async () => {
    const runs: number[] = [];
    const j = job({ intervalMs: 20, onRun: (r) => runs.push(r.at) });
    j.start();
    j.start();
    await new Promise((r) => setTimeout(r, 120));
    await j.close();
    const n = runs.length;
    expect(n).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 60));
    expect(runs.length).toBe(n);
  });
});

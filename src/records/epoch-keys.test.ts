/**
 * The epoch key store contract, run over both implementations: key files in a directory and the
 * shared PostgreSQL table (on a throwaway cluster). Two stores over the same place stand for two
 * nodes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresCluster, postgresSkipReason, startPostgres } from '../../test/helpers/postgres.js';
import { type EpochKeyStore, fileEpochKeys } from './epoch-keys.js';
import { EPOCH_KEY_TABLE, postgresEpochKeys } from './epoch-keys-postgres.js';
import { createPseudonymiser, DEFAULT_EPOCH_MS } from './pseudonym.js';
import { pastPseudonymFrom } from './pseudonym-lookup.js';

const skip = postgresSkipReason();
let cluster: PostgresCluster | undefined;
const dirs: string[] = [];
const opened: EpochKeyStore[] = [];

beforeAll(async () => {
  if (skip === undefined) cluster = await startPostgres();
}, 60_000);
afterAll(async () => {
  for (const s of opened) await s.close();
  await cluster?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh place and a way to open stores ("nodes") on it. */
type Place = () => Promise<() => EpochKeyStore>;
const files: Place = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-epoch-keys-'));
  dirs.push(dir);
  return () => fileEpochKeys(dir);
};
const postgres: Place = async () => {
  const url = await (cluster as PostgresCluster).freshDatabase();
  return () => {
    const s = postgresEpochKeys(url);
    opened.push(s);
    return s;
  };
};

const cases: [string, Place, boolean][] = [
  ['files', files, true],
  ['postgresql', postgres, skip === undefined],
];

describe.each(cases)('epoch keys in %s', (_, place, runs) => {
  it.runIf(runs)('gives one 32-byte key per epoch, made once and then kept', async () => {
    const keys = (await place())();
    const a = await keys.getOrCreate(20_000);
    expect(a).toHaveLength(32);
    expect(await keys.getOrCreate(20_000)).toEqual(a);
    expect(await keys.get(20_000)).toEqual(a);
    expect(await keys.getOrCreate(20_001)).not.toEqual(a);
    expect(await keys.list()).toEqual([20_000, 20_001]);
  });

  it.runIf(runs)('never creates a key on get', async () => {
    const keys = (await place())();
    expect(await keys.get(19_000)).toBeNull();
    expect(await keys.list()).toEqual([]);
  });

  it.runIf(runs)('gives two nodes racing to make a key the same key', async () => {
    const open = await place();
    const nodes = [open(), open(), open(), open()];
    for (const epoch of [30_000, 30_001, 30_002]) {
      const got = await Promise.all(nodes.map((n) => n.getOrCreate(epoch)));
      for (const k of got) expect(k).toEqual(got[0]);
    }
  });

  it.runIf(runs)('destroys a key for every node: its pseudonyms can no longer be computed', async () => {
    const open = await place();
    const [a, b] = [open(), open()];
    const epoch = 40_000;
    const key = await a.getOrCreate(epoch);
    const live = createPseudonymiser({
      keys: { live: () => key, existing: () => key },
      now: () => epoch * DEFAULT_EPOCH_MS,
    }).pseudonym('isp-a', 'sub-42');
    expect(await pastPseudonymFrom(b, epoch, 'isp-a', 'sub-42')).toBe(live);
    expect(await b.destroy(epoch)).toBe(true);
    expect(await a.destroy(epoch)).toBe(false); // already gone: audited once, by b
    expect(await a.get(epoch)).toBeNull();
    expect(await pastPseudonymFrom(a, epoch, 'isp-a', 'sub-42')).toBeNull();
    expect(await b.list()).toEqual([]);
  });
});

describe.runIf(skip === undefined)('epoch keys in postgresql, beyond the contract', () => {
  it("deletes the destroyed key's row and keeps the others", async () => {
    const url = await (cluster as PostgresCluster).freshDatabase();
    const keys = postgresEpochKeys(url);
    opened.push(keys);
    await keys.getOrCreate(50_000);
    await keys.getOrCreate(50_001);
    expect(await keys.destroy(50_000)).toBe(true);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const rows = await c.query(`SELECT epoch FROM ${EPOCH_KEY_TABLE} ORDER BY epoch`);
      expect(rows.rows.map((r) => Number(r.epoch))).toEqual([50_001]);
    } finally {
      await c.end();
    }
  });

  it('fails, rather than hangs, while the database is unreachable', async () => {
    const keys = postgresEpochKeys('postgres://nobody@127.0.0.1:1/none', { connectTimeoutMs: 500 });
    opened.push(keys);
    await expect(keys.getOrCreate(1)).rejects.toThrow();
    await expect(keys.list()).rejects.toThrow();
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPseudonymiser } from './pseudonym.js';
import { EPOCH_MS, epochsIn, pastPseudonym } from './pseudonym-lookup.js';

const dir = mkdtempSync(join(tmpdir(), 'gh-pseudo-lookup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pastPseudonym', () => {
  it.each([
    ['isp-a', 'sub-42'],
    ['isp-b', 'ü-42 with spaces'],
    ['isp-a', ''],
  ])('matches what the live pseudonymiser gave (%s, %s)', (isp, sub) => {
    const t = 20_000 * EPOCH_MS + 5;
    const live = createPseudonymiser({ keyDir: dir, now: () => t }).pseudonym(isp, sub);
    expect(pastPseudonym(dir, 20_000, isp, sub)).toBe(live);
  });

  it('is null, and creates nothing, when the epoch key does not exist', () => {
    expect(pastPseudonym(dir, 19_000, 'isp-a', 'sub-42')).toBeNull();
    expect(pastPseudonym(dir, 19_000, 'isp-a', 'sub-42')).toBeNull();
  });

  it.each([
    ['emptied', Buffer.alloc(0)],
    ['zeroed', Buffer.alloc(32)],
  ])('is null for a %s (destroyed) key', (_, bytes) => {
    writeFileSync(join(dir, 'epoch-18000.key'), bytes);
    expect(pastPseudonym(dir, 18_000, 'isp-a', 'sub-42')).toBeNull();
  });
});

describe('epochsIn', () => {
  it.each([
    [0, 1, [0]],
    [EPOCH_MS - 1, EPOCH_MS + 1, [0, 1]],
    [EPOCH_MS, 2 * EPOCH_MS, [1]],
    [3 * EPOCH_MS + 7, 6 * EPOCH_MS, [3, 4, 5]],
  ])('[%d, %d) covers %j', (from, to, epochs) => {
    expect(epochsIn(from, to)).toEqual(epochs);
  });
});

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPseudonymiser } from './pseudonym.js';

const DAY = 86_400_000;
const dirs: string[] = [];
const keyDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'gh-pseudo-'));
  dirs.push(d);
  return join(d, 'keys');
};

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('pseudonyms', () => {
  it('are stable within an epoch and never contain the subscriber id', () => {
    let t = 10 * DAY;
    const p = createPseudonymiser({ keyDir: keyDir(), now: () => t });
    const a = p.pseudonym('isp-a', 'sub-42');
    t += DAY - 1;
    expect(p.pseudonym('isp-a', 'sub-42')).toBe(a);
    expect(a).toMatch(/^p10-[a-z2-7]{20}$/);
    expect(a).not.toContain('42');
  });

  it('differ between subscribers, ISPs and epochs', () => {
    let t = 10 * DAY;
    const p = createPseudonymiser({ keyDir: keyDir(), now: () => t });
    const a = p.pseudonym('isp-a', 'sub-42');
    expect(p.pseudonym('isp-a', 'sub-43')).not.toBe(a);
    expect(p.pseudonym('isp-b', 'sub-42')).not.toBe(a);
    t += DAY;
    expect(p.pseudonym('isp-a', 'sub-42')).not.toBe(a);
  });

  it('keep epoch keys in private files, shared by every process of the node', () => {
    const dir = keyDir();
    const t = 20 * DAY;
    const one = createPseudonymiser({ keyDir: dir, now: () => t }).pseudonym('isp-a', 's');
    const two = createPseudonymiser({ keyDir: dir, now: () => t }).pseudonym('isp-a', 's');
    expect(two).toBe(one);
    expect(statSync(join(dir, 'epoch-20.key')).mode & 0o777).toBe(0o600);
  });

  it('cannot be recomputed once the epoch key is destroyed', () => {
    const dir = keyDir();
    const t = 30 * DAY;
    const before = createPseudonymiser({ keyDir: dir, now: () => t }).pseudonym('isp-a', 's');
    rmSync(join(dir, 'epoch-30.key'));
    expect(createPseudonymiser({ keyDir: dir, now: () => t }).pseudonym('isp-a', 's')).not.toBe(before);
  });
});

import { describe, expect, it } from 'vitest';
import { GENESIS_HASH } from './hash.js';
import { auditVerifyReport } from './report.js';

describe('auditVerifyReport', () => {
  it('says an intact log is intact, with its head', () => {
    const report = auditVerifyReport({
      ok: true,
      entries: 3,
      head: { seq: 3, hash: 'ab'.repeat(32), time: 0 },
    });
    expect(report).toBe(
      'audit log intact: 3 entries, chain verified from entry 1\n' +
        `head: entry 3 at 1970-01-01T00:00:00.000Z, sha256 ${'ab'.repeat(32)}`,
    );
    expect(auditVerifyReport({ ok: true, entries: 0, head: { seq: 0, hash: GENESIS_HASH, time: 0 } })).toBe(
      'audit log intact: no entries yet',
    );
  });

  it.each([
    ['modified', 'contents no longer match'],
    ['missing', 'missing (deleted)'],
    ['inserted', 'was added'],
    ['reordered', 'reordered'],
    ['broken-link', 'link to the entry before it was altered'],
  ] as const)('names the first break (%s) and its evidence', (problem, words) => {
    const report = auditVerifyReport({ ok: false, seq: 5, problem, expected: 'seq 5', found: 'seq 7' });
    expect(report.split('\n')[0]).toContain(words);
    expect(report.split('\n')).toEqual([
      expect.stringContaining(`audit log BROKEN at entry 5: ${problem} — `),
      '  expected: seq 5',
      '  found:    seq 7',
      'entries before 5 verified; nothing from 5 on can be trusted',
    ]);
  });
});

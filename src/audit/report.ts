/** Verification results in words, for `gatehouse audit verify` and the console. */
import type { AuditProblem, VerifyResult } from './types.js';

const MEANING: Record<AuditProblem, string> = {
  modified: 'its contents no longer match the hash the chain committed to',
  missing: 'it is missing (deleted), so the sequence skips it',
  inserted: 'it was added: its own hash holds but it does not link to the entry before it',
  reordered: 'entries were reordered: the rightful successor of the entry before it sits elsewhere',
  'broken-link': 'its link to the entry before it was altered',
};

/** A human-readable report of a verification: one line when intact, the first break and its evidence when not. */
export function auditVerifyReport(result: VerifyResult): string {
  if (result.ok) {
    if (result.entries === 0) return 'audit log intact: no entries yet';
    const { seq, hash, time } = result.head;
    return (
      `audit log intact: ${result.entries} entries, chain verified from entry 1\n` +
      `head: entry ${seq} at ${new Date(time).toISOString()}, sha256 ${hash}`
    );
  }
  const lines = [`audit log BROKEN at entry ${result.seq}: ${result.problem} — ${MEANING[result.problem]}`];
  if (result.expected !== undefined) lines.push(`  expected: ${result.expected}`);
  if (result.found !== undefined) lines.push(`  found:    ${result.found}`);
  lines.push(`entries before ${result.seq} verified; nothing from ${result.seq} on can be trusted`);
  return lines.join('\n');
}

/** How `gatehouse warrants` prints a warrant: one line in listings, a block for `show`. */
import type { Warrant } from '../access/types.js';
import { describeTarget } from '../access/validate.js';

/** A time as ISO 8601, or `-`. */
export const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

/** One line per warrant in `warrants list`. */
export function summaryLine(w: Warrant): string {
  const flags = [w.urgency === 'urgent' ? 'urgent' : '', w.sealedAt !== null ? 'sealed' : ''].filter(Boolean);
  const state = `${w.status}${flags.length ? ` (${flags.join(', ')})` : ''}`;
  return `${String(w.id).padStart(5)}  ${state.padEnd(22)} ${w.crimeCategory.padEnd(18)} ${describeTarget(w.target)}  [${w.reference}]`;
}

/** The whole warrant, for `warrants show`. */
export function details(w: Warrant): string {
  const decided = w.decision === null ? 'pending' : `${w.decision} ${iso(w.decidedAt)} by ${w.decidedBy}`;
  return [
    `warrant ${w.id}: ${w.status}${w.sealedAt !== null ? `, results sealed (${w.sealReason})` : ''}`,
    `  authority      ${w.authority} (${w.reference})`,
    `  crime          ${w.crimeCategory}`,
    `  target         ${describeTarget(w.target)}`,
    `  window         ${iso(w.from)} → ${iso(w.to)}`,
    `  urgency        ${w.urgency}${w.reviewDue !== null ? `; review due ${iso(w.reviewDue)}` : ''}`,
    `  justification  ${w.justification}`,
    `  requested      ${iso(w.requestedAt)} by ${w.requestedBy}`,
    `  decision       ${decided}${w.decisionReason ? `: ${w.decisionReason}` : ''}`,
    `  executed       ${w.executedAt === null ? '-' : `${iso(w.executedAt)} by ${w.executedBy}: ${w.resultCount} records${w.truncated ? ' (truncated)' : ''}, sha256 ${w.resultSha256}`}`,
    `  unlinkable     ${w.unlinkableEpochs.length === 0 ? '-' : `epochs ${w.unlinkableEpochs.join(', ')} (keys destroyed)`}`,
    `  notification   ${w.notifyDue === null ? '-' : `due ${iso(w.notifyDue)}; ${w.notifiedAt === null ? 'not yet notified' : `notified ${iso(w.notifiedAt)} by ${w.notifiedBy}`}`}`,
  ].join('\n');
}

/**
 * The transparency report: per month, orders issued and in force, blocks and throttles, warrants
 * requested, approved, refused and subjects notified, and the audit log's latest head. One set of
 * figures, three forms (`/transparency`, `.csv`, `.json`). Figures whose source is not wired in are
 * null ("not available"), never zero: a zero would claim something.
 *
 * Orders count whether public or not (counts identify nothing); only public ones are listed by name.
 */
import { escapeHtml } from './notice.js';
import { iso, page } from './page.js';
import type { MonthlyEnforcement, MonthlyWarrants, PublishedHead } from './plugin.js';

/** One month's figures. */
export interface MonthFigures {
  readonly month: string;
  readonly ordersIssued: number;
  readonly ordersInForce: number;
  readonly blocks: number | null;
  readonly throttles: number | null;
  readonly warrantsRequested: number | null;
  readonly warrantsApproved: number | null;
  readonly warrantsRefused: number | null;
  readonly warrantsNotified: number | null;
}

/** The whole report. */
export interface TransparencyReport {
  readonly generatedAt: string;
  /** Newest month first. */
  readonly months: readonly MonthFigures[];
  readonly auditHead: {
    readonly seq: number;
    readonly hash: string;
    readonly signed: boolean;
    readonly signature: string | null;
    readonly publicKey: string | null;
  };
}

/** An order's dates: issued (approved) at `issued`, in force from `from` until `to` (expiry or revocation). */
export interface OrderSpan {
  readonly issued: number;
  readonly from: number;
  readonly to: number;
}

/** What the report is computed from. */
export interface ReportInput {
  readonly now: number;
  readonly spans: readonly OrderSpan[];
  readonly monthly: readonly MonthlyEnforcement[] | null;
  readonly warrants: readonly MonthlyWarrants[] | null;
  readonly head: PublishedHead & { readonly signed: boolean };
}

/** How far back the report goes at most. */
export const MAX_MONTHS = 60;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);
const monthStart = (m: string) => Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)) - 1, 1);
const nextMonth = (m: string) => monthOf(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)), 1));

/** Computes the report. */
export function buildReport(input: ReportInput): TransparencyReport {
  const current = monthOf(input.now);
  const oldest = monthOf(
    Date.UTC(new Date(input.now).getUTCFullYear(), new Date(input.now).getUTCMonth() - MAX_MONTHS + 1, 1),
  );
  const seen = [
    ...input.spans.map((s) => monthOf(s.issued)),
    ...(input.monthly ?? []).map((m) => m.month),
    ...(input.warrants ?? []).map((w) => w.month),
  ].filter((m) => MONTH.test(m) && m <= current);
  // `YYYY-MM` strings sort as the months do; the report starts no earlier than `oldest`.
  let first = [...seen, current].sort()[0];
  if (first < oldest) first = oldest;
  const months: MonthFigures[] = [];
  const enforcement = new Map((input.monthly ?? []).map((m) => [m.month, m]));
  const warrants = new Map((input.warrants ?? []).map((w) => [w.month, w]));
  for (; first <= current; first = nextMonth(first)) {
    const start = monthStart(first);
    const end = monthStart(nextMonth(first));
    const en = enforcement.get(first);
    const wa = warrants.get(first);
    const fromEnf = (v: number | undefined) => (input.monthly === null ? null : (v ?? 0));
    const fromWar = (v: number | undefined) => (input.warrants === null ? null : (v ?? 0));
    months.push({
      month: first,
      ordersIssued: input.spans.filter((s) => s.issued >= start && s.issued < end).length,
      ordersInForce: input.spans.filter((s) => s.from < end && s.to > start && s.to > s.from).length,
      blocks: fromEnf(en?.blocks),
      throttles: fromEnf(en?.throttles),
      warrantsRequested: fromWar(wa?.requested),
      warrantsApproved: fromWar(wa?.approved),
      warrantsRefused: fromWar(wa?.refused),
      warrantsNotified: fromWar(wa?.notified),
    });
  }
  const h = input.head;
  return {
    generatedAt: iso(input.now),
    months: months.reverse(),
    auditHead: {
      seq: h.seq,
      hash: h.hash,
      signed: h.signed,
      signature: h.signature ?? null,
      publicKey: h.publicKey ?? null,
    },
  };
}

const COLUMNS: readonly [keyof MonthFigures, string][] = [
  ['month', 'month'],
  ['ordersIssued', 'orders_issued'],
  ['ordersInForce', 'orders_in_force'],
  ['blocks', 'blocks'],
  ['throttles', 'throttles'],
  ['warrantsRequested', 'warrants_requested'],
  ['warrantsApproved', 'warrants_approved'],
  ['warrantsRefused', 'warrants_refused'],
  ['warrantsNotified', 'warrants_notified'],
];

/** RFC 4180 CSV, one row per month; an empty cell is "not available". Only digits and months: nothing to quote. */
export function reportCsv(report: TransparencyReport): string {
  const rows = report.months.map((m) => COLUMNS.map(([k]) => (m[k] === null ? '' : String(m[k]))).join(','));
  return `${[COLUMNS.map(([, h]) => h).join(','), ...rows].join('\r\n')}\r\n`;
}

const HEADINGS = [
  'Month',
  'Orders issued',
  'Orders in force',
  'Blocks',
  'Throttles',
  'Warrants requested',
  'Warrants approved',
  'Warrants refused',
  'People notified',
];

/** The report as a page. */
export function reportPage(report: TransparencyReport): string {
  const cell = (v: string | number | null) =>
    v === null ? '<td class="muted">n/a</td>' : `<td>${escapeHtml(String(v))}</td>`;
  const rows = report.months
    .map(
      (m) =>
        `<tr><th scope="row">${escapeHtml(m.month)}</th>${COLUMNS.slice(1)
          .map(([k]) => cell(m[k]))
          .join('')}</tr>`,
    )
    .join('\n');
  const h = report.auditHead;
  const signature = h.signed
    ? `<dt>Signature (Ed25519)</dt><dd><code>${escapeHtml(h.signature ?? '')}</code></dd>\n<dt>Public key</dt><dd><code>${escapeHtml(h.publicKey ?? '')}</code></dd>`
    : '<dt>Signature</dt><dd class="muted">No signed head has been published yet; this is the current head.</dd>';
  return page(
    'Transparency report',
    `<h1>Transparency report</h1>
<p>Orders, enforcement and lawful access to records, month by month (UTC). Orders are counted whether
or not they are public. “n/a” means the figure is not available from this server.
Also as <a href="/transparency.csv">CSV</a> and <a href="/transparency.json">JSON</a>.</p>
<div class="scroll"><table>
<caption>Figures per month, newest first</caption>
<thead><tr>${HEADINGS.map((x) => `<th scope="col">${x}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody>
</table></div>
<h2>Audit log</h2>
<p>Every administrative act and every access to records is written to a hash-chained log. Its latest head:</p>
<dl>
<dt>Entries</dt><dd>${h.seq}</dd>
<dt>Head hash (SHA-256)</dt><dd><code id="audit-head">${escapeHtml(h.hash)}</code></dd>
${signature}
</dl>
<p class="muted">Generated ${escapeHtml(report.generatedAt)}.</p>`,
  );
}

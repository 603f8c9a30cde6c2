/**
 * Reports as CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line
 * break) and as an aligned text table for the terminal.
 */
import type { MonthlyTotals, OrderHits, TrafficReport } from './report.js';

type Cell = string | number;

function field(v: Cell): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Renders a header and rows as RFC 4180 CSV. */
export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [header, ...rows].map((r) => `${r.map(field).join(',')}\r\n`).join('');
}

/** Renders a header and rows as a text table, numbers right-aligned. */
export function toTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r: readonly Cell[]) =>
    r
      .map((c, i) =>
        typeof c === 'number' ? String(c).padStart(widths[i] ?? 0) : String(c).padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const TRAFFIC_HEADER = ['isp', 'direction', 'kind', 'records', 'bytes_up', 'bytes_down'] as const;

/** The traffic report's rows (one per ISP, direction and kind). */
export function trafficRows(r: TrafficReport): { header: readonly string[]; rows: Cell[][] } {
  return {
    header: TRAFFIC_HEADER,
    rows: r.rows.map((x) => [x.isp, x.direction, x.kind, x.records, x.bytesUp, x.bytesDown]),
  };
}

/** The traffic report as CSV. */
export function trafficReportCsv(r: TrafficReport): string {
  const t = trafficRows(r);
  return toCsv(t.header, t.rows);
}

/** Monthly totals as CSV, one line per month. */
export function monthlyTotalsCsv(months: readonly MonthlyTotals[]): string {
  return toCsv(
    ['month', 'blocks', 'blocks_dns', 'blocks_http', 'blocks_tls', 'throttles', 'safe_search'],
    months.map((m) => [
      m.month,
      m.blocks,
      m.blocksByChannel.dns,
      m.blocksByChannel.http,
      m.blocksByChannel.tls,
      m.throttles,
      m.safeSearch,
    ]),
  );
}

/** Per-order hits as CSV, by order id. */
export function orderHitsCsv(hits: ReadonlyMap<number, OrderHits>): string {
  return toCsv(
    ['order_id', 'dns', 'http', 'tls', 'throttled'],
    [...hits.entries()].sort(([a], [b]) => a - b).map(([id, h]) => [id, h.dns, h.http, h.tls, h.throttled]),
  );
}

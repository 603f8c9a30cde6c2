/**
 * Reports from the daily aggregates (plus the records not rolled up yet, so figures are exact up
 * to the last record written): per-order hit counts and monthly blocks and throttles for the
 * public transparency report, and the per-ISP, per-direction traffic report a regulator asks for.
 * Nothing here names a subscriber or an address: the aggregates hold none.
 */
import { GatehouseError } from '../core/errors.js';
import { type ClassifyDestination, pendingAggregates } from './aggregate.js';
import type { AggregateKind, AggregateRow, Direction } from './aggregate-sql.js';
import type { RecordsDb } from './retention-db.js';

/** How often an order decided, per channel; `throttled` counts flows that went through its throttle. */
export interface OrderHits {
  dns: number;
  http: number;
  tls: number;
  throttled: number;
}

/** One month of the transparency report (the portal's `MonthlyEnforcement`, with detail). */
export interface MonthlyTotals {
  /** `YYYY-MM` (UTC). */
  readonly month: string;
  /** Requests refused by a block order, all channels. */
  readonly blocks: number;
  /** Connections slowed by a throttle order. */
  readonly throttles: number;
  /** DNS answers rewritten by a safe-search order. */
  readonly safeSearch: number;
  /** `blocks` per channel. */
  readonly blocksByChannel: { readonly dns: number; readonly http: number; readonly tls: number };
}

/** One line of the traffic report. */
export interface TrafficRow {
  readonly isp: string;
  readonly direction: Direction;
  readonly kind: AggregateKind;
  readonly records: number;
  readonly bytesUp: number;
  readonly bytesDown: number;
}

/** The aggregate traffic report for whole UTC days `from` ≤ day < `to`. */
export interface TrafficReport {
  /** First day included, `YYYY-MM-DD`. */
  readonly from: string;
  /** First day not included, `YYYY-MM-DD`. */
  readonly to: string;
  readonly rows: readonly TrafficRow[];
  /** Sums per ISP and per direction (both kinds). */
  readonly byIsp: readonly Omit<TrafficRow, 'direction' | 'kind'>[];
  readonly byDirection: readonly Omit<TrafficRow, 'isp' | 'kind'>[];
}

/** Reports over one records database. */
export interface Reports {
  orderHits(): Map<number, OrderHits>;
  monthlyTotals(): MonthlyTotals[];
  /** Days whose start lies in [from, to) (epoch ms); GH_ERR_RECORDS_REPORT for an empty or bad range. */
  trafficReport(from: number, to: number): TrafficReport;
}

const DAY_MS = 86_400_000;

/** The UTC day `YYYY-MM-DD` of an instant. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A `record_aggregates` row (either engine) as an aggregate. */
export function aggregateRowOf(r: Record<string, unknown>): AggregateRow {
  return {
    day: String(r.day),
    kind: r.kind as AggregateKind,
    channel: r.channel as AggregateRow['channel'],
    isp: String(r.isp),
    direction: r.direction as Direction,
    verdict: r.verdict as AggregateRow['verdict'],
    orderId: Number(r.order_id),
    throttled: Number(r.throttled) === 1,
    count: Number(r.count),
    bytesUp: Number(r.bytes_up),
    bytesDown: Number(r.bytes_down),
  };
}

/** Sums rows into groups by `key`, keeping the first row's dimensions. */
function sumBy<K>(rows: Iterable<AggregateRow>, key: (r: AggregateRow) => K): Map<K, AggregateRow> {
  const out = new Map<K, AggregateRow>();
  for (const r of rows) {
    const k = key(r);
    const prev = out.get(k);
    out.set(
      k,
      prev === undefined
        ? r
        : {
            ...prev,
            count: prev.count + r.count,
            bytesUp: prev.bytesUp + r.bytesUp,
            bytesDown: prev.bytesDown + r.bytesDown,
          },
    );
  }
  return out;
}

/** Which stored aggregates (SQL `where`, `?` parameters) and pending ones (`keep`) a report reads. */
export interface ReportSelection {
  readonly where: string;
  readonly params: readonly (string | number)[];
  readonly keep: (r: AggregateRow) => boolean;
}

// An allow order's exemptions are not hits.
const ORDER_HITS: ReportSelection = {
  where: "order_id > 0 AND verdict <> 'allow'",
  params: [],
  keep: (r) => r.orderId > 0 && r.verdict !== 'allow',
};

const MONTHLY: ReportSelection = {
  where: "verdict IN ('block', 'safe-search') OR throttled = 1",
  params: [],
  keep: (r) => r.verdict === 'block' || r.verdict === 'safe-search' || r.throttled,
};

/** The rows behind each report (portable SQL: both engines run these `where` clauses). */
export const REPORT_SELECTIONS = { orderHits: ORDER_HITS, monthly: MONTHLY } as const;

/** Hit counts per order from the selected rows. */
export function orderHitsOf(rows: readonly AggregateRow[]): Map<number, OrderHits> {
  const hits = new Map<number, OrderHits>();
  for (const r of rows) {
    let h = hits.get(r.orderId);
    if (h === undefined) {
      h = { dns: 0, http: 0, tls: 0, throttled: 0 };
      hits.set(r.orderId, h);
    }
    h[r.channel] += r.count;
    if (r.throttled) h.throttled += r.count;
  }
  return hits;
}

/** Monthly totals, oldest first, from the selected rows. */
export function monthlyTotalsOf(rows: readonly AggregateRow[]): MonthlyTotals[] {
  const months = new Map<string, { blocked: OrderHits; throttled: number; safeSearch: number }>();
  for (const r of rows) {
    const month = r.day.slice(0, 7);
    let m = months.get(month);
    if (m === undefined) {
      m = { blocked: { dns: 0, http: 0, tls: 0, throttled: 0 }, throttled: 0, safeSearch: 0 };
      months.set(month, m);
    }
    if (r.verdict === 'block') m.blocked[r.channel] += r.count;
    if (r.verdict === 'safe-search') m.safeSearch += r.count;
    if (r.throttled) m.throttled += r.count;
  }
  return [...months.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([month, m]) => ({
      month,
      blocks: m.blocked.dns + m.blocked.http + m.blocked.tls,
      throttles: m.throttled,
      safeSearch: m.safeSearch,
      blocksByChannel: { dns: m.blocked.dns, http: m.blocked.http, tls: m.blocked.tls },
    }));
}

/** The rows of the traffic report for [from, to): whole UTC days; GH_ERR_RECORDS_REPORT for a bad range. */
export function trafficSelection(from: number, to: number): ReportSelection & { first: string; end: string } {
  if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) {
    throw new GatehouseError(
      'GH_ERR_RECORDS_REPORT',
      `traffic report: expected from < to, got ${String(from)} and ${String(to)}`,
    );
  }
  // Whole UTC days: the first day starting at or after `from`, up to the last starting before `to`.
  const first = utcDay(Math.ceil(from / DAY_MS) * DAY_MS);
  const end = utcDay(Math.ceil(to / DAY_MS) * DAY_MS);
  return {
    where: 'day >= ? AND day < ?',
    params: [first, end],
    keep: (r) => r.day >= first && r.day < end,
    first,
    end,
  };
}

/** The traffic report from the rows `trafficSelection` selected. */
export function trafficReportOf(first: string, end: string, all: readonly AggregateRow[]): TrafficReport {
  const plain = (r: AggregateRow) => ({ records: r.count, bytesUp: r.bytesUp, bytesDown: r.bytesDown });
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const detail = [...sumBy(all, (r) => `${r.isp}\0${r.direction}\0${r.kind}`).values()]
    .map((r) => ({ isp: r.isp, direction: r.direction, kind: r.kind, ...plain(r) }))
    .sort((a, b) => order(a.isp, b.isp) || order(a.direction, b.direction) || order(a.kind, b.kind));
  const byIsp = [...sumBy(all, (r) => r.isp).values()]
    .map((r) => ({ isp: r.isp, ...plain(r) }))
    .sort((a, b) => order(a.isp, b.isp));
  const byDirection = [...sumBy(all, (r) => r.direction).values()]
    .map((r) => ({ direction: r.direction, ...plain(r) }))
    .sort((a, b) => order(a.direction, b.direction));
  return { from: first, to: end, rows: detail, byIsp, byDirection };
}

/**
 * Creates the reports over `db`; `classify` decides the direction of flows not rolled up yet.
 * Synchronous and heavy at volume: the gateway reads them through the retention worker
 * (retention-client.ts); the CLI, with no data plane to stall, calls them directly.
 */
export function createReports(db: RecordsDb, classify: ClassifyDestination): Reports {
  /** Stored aggregates matching `where`, plus the pending ones passing `keep`. */
  const rows = (s: ReportSelection): AggregateRow[] => {
    return db.transaction(() => {
      const stored = db.prepare(`SELECT * FROM record_aggregates WHERE ${s.where}`).all(...s.params);
      return [
        ...(stored as Record<string, unknown>[]).map(aggregateRowOf),
        ...pendingAggregates(db, classify).filter(s.keep),
      ];
    })();
  };
  return {
    orderHits: () => orderHitsOf(rows(ORDER_HITS)),
    monthlyTotals: () => monthlyTotalsOf(rows(MONTHLY)),
    trafficReport(from, to) {
      const s = trafficSelection(from, to);
      return trafficReportOf(s.first, s.end, rows(s));
    },
  };
}

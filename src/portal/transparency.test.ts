import { expect, test } from 'vitest';
import { buildReport, MAX_MONTHS, reportCsv } from './transparency.js';

const at = (y: number, m: number, d = 1) => Date.UTC(y, m - 1, d);
const head = { seq: 3, hash: 'f'.repeat(64), signed: false };

test.each([
  // [what, span, expected in force per month oldest first (Sep, Oct, Nov)]
  [
    'in force across three months',
    { issued: at(2026, 9, 10), from: at(2026, 9, 10), to: at(2026, 12, 1) },
    [1, 1, 1],
  ],
  [
    'expired at the start of October',
    { issued: at(2026, 9, 10), from: at(2026, 9, 10), to: at(2026, 10, 1) },
    [1, 0, 0],
  ],
  [
    'issued in September, starting in November',
    { issued: at(2026, 9, 2), from: at(2026, 11, 5), to: at(2027, 1, 1) },
    [0, 0, 1],
  ],
  [
    'revoked the moment it was approved',
    { issued: at(2026, 9, 2), from: at(2026, 9, 2), to: at(2026, 9, 2) },
    [0, 0, 0],
  ],
])('an order %s', (_, span, inForce) => {
  const report = buildReport({ now: at(2026, 11, 20), spans: [span], monthly: null, warrants: null, head });
  expect(report.months.map((m) => m.month)).toEqual(['2026-11', '2026-10', '2026-09']);
  expect(report.months.map((m) => m.ordersInForce).reverse()).toEqual(inForce);
  expect(report.months.map((m) => m.ordersIssued).reverse()).toEqual([1, 0, 0]);
});

test('goes back at most MAX_MONTHS and ignores malformed or future months', () => {
  const report = buildReport({
    now: at(2026, 11, 20),
    spans: [{ issued: at(1999, 1, 1), from: at(1999, 1, 1), to: at(2030, 1, 1) }],
    monthly: [
      { month: '2027-01', blocks: 9, throttles: 9 },
      { month: '2026-13', blocks: 9, throttles: 9 },
    ],
    warrants: [],
    head,
  });
  expect(report.months).toHaveLength(MAX_MONTHS);
  expect(report.months[0]).toMatchObject({
    month: '2026-11',
    blocks: 0,
    warrantsNotified: 0,
    ordersInForce: 1,
  });
});

test('CSV leaves unknown figures empty and quotes nothing', () => {
  const report = buildReport({ now: at(2026, 1, 5), spans: [], monthly: null, warrants: null, head });
  expect(reportCsv(report)).toBe(
    'month,orders_issued,orders_in_force,blocks,throttles,warrants_requested,warrants_approved,warrants_refused,warrants_notified\r\n2026-01,0,0,,,,,,\r\n',
  );
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGatehouseError } from '../core/errors.js';
import { rollUpStep } from './aggregate.js';
import { createReports } from './report.js';
import { monthlyTotalsCsv, orderHitsCsv, toCsv, trafficReportCsv } from './report-csv.js';
import { classify, createRecordsHome, dnsAt, flowAt, type RecordsHome } from './retention.fixture.js';

const JAN = Date.UTC(2026, 0, 15);
const FEB = Date.UTC(2026, 1, 15);

let home: RecordsHome;
beforeEach(() => {
  home = createRecordsHome();
  home.sink.dns.write([
    dnsAt(JAN, { verdict: 'block', orderId: 7 }),
    dnsAt(JAN + 1, { verdict: 'block', orderId: 7, isp: 'isp-b' }),
    dnsAt(JAN + 2, { verdict: 'safe-search', orderId: 8 }),
    dnsAt(FEB, { verdict: 'block', orderId: 7 }),
    dnsAt(FEB + 1),
    dnsAt(FEB + 2, { verdict: 'allow', orderId: 11 }), // an exemption: not a hit
  ]);
  home.sink.flows.write([
    flowAt(JAN, { listener: 'http', to: null, verdict: 'block', orderId: 7 }),
    flowAt(JAN, {
      listener: 'tls-sni',
      to: '198.51.100.1',
      verdict: 'throttle',
      orderId: 9,
      throttled: true,
      up: 5,
      down: 50,
    }),
    flowAt(FEB, { listener: 'connect', to: '203.0.113.9', up: 7, down: 70 }),
  ]);
});
afterEach(() => home.cleanup());

/** Rolls up everything now written: reports must read the same before and after. */
const rollUpAll = () => {
  for (const kind of ['dns', 'flow'] as const) while (rollUpStep(home.db, kind, 2, classify) > 0);
};

describe.each([
  ['before roll-up (records only)', () => undefined],
  ['after roll-up (aggregates only)', rollUpAll],
  [
    'half rolled up',
    () => {
      rollUpStep(home.db, 'dns', 2, classify);
      rollUpStep(home.db, 'flow', 1, classify);
    },
  ],
])('reports %s', (_name, prepare) => {
  beforeEach(() => prepare());

  it('count hits per order and channel', () => {
    const hits = createReports(home.db, classify).orderHits();
    expect(Object.fromEntries(hits)).toEqual({
      7: { dns: 3, http: 1, tls: 0, throttled: 0 },
      8: { dns: 1, http: 0, tls: 0, throttled: 0 },
      9: { dns: 0, http: 0, tls: 1, throttled: 1 },
    });
  });

  it('total blocks and throttles per month', () => {
    expect(createReports(home.db, classify).monthlyTotals()).toEqual([
      {
        month: '2026-01',
        blocks: 3,
        throttles: 1,
        safeSearch: 1,
        blocksByChannel: { dns: 2, http: 1, tls: 0 },
      },
      {
        month: '2026-02',
        blocks: 1,
        throttles: 0,
        safeSearch: 0,
        blocksByChannel: { dns: 1, http: 0, tls: 0 },
      },
    ]);
  });

  it('report traffic per ISP and direction over whole UTC days', () => {
    const r = createReports(home.db, classify).trafficReport(Date.UTC(2026, 0, 1), Date.UTC(2026, 1, 1));
    expect(r.from).toBe('2026-01-01');
    expect(r.to).toBe('2026-02-01');
    expect(r.rows).toEqual([
      { isp: 'isp-a', direction: 'domestic', kind: 'flow', records: 1, bytesUp: 5, bytesDown: 50 },
      { isp: 'isp-a', direction: 'unknown', kind: 'dns', records: 2, bytesUp: 0, bytesDown: 0 },
      { isp: 'isp-a', direction: 'unknown', kind: 'flow', records: 1, bytesUp: 100, bytesDown: 1000 },
      { isp: 'isp-b', direction: 'unknown', kind: 'dns', records: 1, bytesUp: 0, bytesDown: 0 },
    ]);
    expect(r.byIsp).toEqual([
      { isp: 'isp-a', records: 4, bytesUp: 105, bytesDown: 1050 },
      { isp: 'isp-b', records: 1, bytesUp: 0, bytesDown: 0 },
    ]);
    expect(r.byDirection.map((d) => [d.direction, d.records])).toEqual([
      ['domestic', 1],
      ['unknown', 4],
    ]);
    const feb = createReports(home.db, classify).trafficReport(Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1));
    expect(feb.byDirection.map((d) => [d.direction, d.records])).toEqual([
      ['international', 1],
      ['unknown', 3],
    ]);
  });
});

describe('report input and rendering', () => {
  it.each([
    ['empty range', JAN, JAN],
    ['reversed range', FEB, JAN],
    ['not a time', Number.NaN, JAN],
  ])('refuses a traffic report over an %s', (_name, from, to) => {
    let code = '';
    try {
      createReports(home.db, classify).trafficReport(from, to);
    } catch (err) {
      if (isGatehouseError(err, 'GH_ERR_RECORDS_REPORT')) code = err.code;
    }
    expect(code).toBe('GH_ERR_RECORDS_REPORT');
  });

  it('renders CSV with CRLF and quoting (RFC 4180)', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"']])).toBe('a,b\r\n"x,y","say ""hi"""\r\n');
    const reports = createReports(home.db, classify);
    expect(orderHitsCsv(reports.orderHits())).toBe(
      'order_id,dns,http,tls,throttled\r\n7,3,1,0,0\r\n8,1,0,0,0\r\n9,0,0,1,1\r\n',
    );
    expect(monthlyTotalsCsv(reports.monthlyTotals()).split('\r\n')[1]).toBe('2026-01,3,2,1,0,1,1');
    const csv = trafficReportCsv(reports.trafficReport(Date.UTC(2026, 1, 1), Date.UTC(2026, 1, 16)));
    expect(csv).toBe(
      'isp,direction,kind,records,bytes_up,bytes_down\r\nisp-a,international,flow,1,7,70\r\nisp-a,unknown,dns,3,0,0\r\n',
    );
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rollUpStep } from './aggregate.js';
import { classify, createRecordsHome, dnsAt, flowAt, type RecordsHome } from './retention.fixture.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 31, 23, 0); // one hour before a UTC day (and month) boundary

let home: RecordsHome;
beforeEach(() => {
  home = createRecordsHome();
});
afterEach(() => home.cleanup());

const rollUp = (batch = 3) => {
  let n = 0;
  for (const kind of ['dns', 'flow'] as const) {
    for (let step = rollUpStep(home.db, kind, batch, classify); step > 0; ) {
      n += step;
      step = rollUpStep(home.db, kind, batch, classify);
    }
  }
  return n;
};
const rows = () =>
  home.db
    .prepare(
      'SELECT day, kind, channel, isp, direction, verdict, order_id, throttled, count, bytes_up, bytes_down FROM record_aggregates ORDER BY 1, 2, 3, 4, 5, 6, 7, 8',
    )
    .raw(true)
    .all();

function seed(): void {
  home.sink.dns.write([
    dnsAt(T0),
    dnsAt(T0 + 1),
    dnsAt(T0 + 2, { verdict: 'block', orderId: 7 }),
    dnsAt(T0 + 2 * 3_600_000, { isp: 'isp-b' }), // the next UTC day
  ]);
  home.sink.flows.write([
    flowAt(T0, { listener: 'http', to: '198.51.100.9', up: 1, down: 10 }),
    flowAt(T0 + 1, { listener: 'connect', to: '198.51.100.10', up: 2, down: 20 }),
    flowAt(T0 + 2, {
      listener: 'tls-sni',
      to: '203.0.113.1',
      up: 4,
      down: 40,
      orderId: 9,
      verdict: 'throttle',
      throttled: true,
    }),
    flowAt(T0 + 3, { listener: 'http', to: null, verdict: 'block', orderId: 7, up: 0, down: 0 }),
  ]);
}

const EXPECTED = [
  ['2026-01-31', 'dns', 'dns', 'isp-a', 'unknown', 'block', 7, 0, 1, 0, 0],
  ['2026-01-31', 'dns', 'dns', 'isp-a', 'unknown', 'none', 0, 0, 2, 0, 0],
  ['2026-01-31', 'flow', 'http', 'isp-a', 'domestic', 'none', 0, 0, 1, 1, 10],
  ['2026-01-31', 'flow', 'http', 'isp-a', 'unknown', 'block', 7, 0, 1, 0, 0],
  ['2026-01-31', 'flow', 'tls', 'isp-a', 'domestic', 'none', 0, 0, 1, 2, 20],
  ['2026-01-31', 'flow', 'tls', 'isp-a', 'international', 'throttle', 9, 1, 1, 4, 40],
  ['2026-02-01', 'dns', 'dns', 'isp-b', 'unknown', 'none', 0, 0, 1, 0, 0],
];

describe('daily aggregates', () => {
  it('count every record once, by UTC day, ISP, direction, verdict and order, with bytes', () => {
    seed();
    expect(rollUp()).toBe(8);
    expect(rows()).toEqual(EXPECTED);
  });

  it('are idempotent: rolling up again adds nothing', () => {
    seed();
    rollUp();
    expect(rollUp()).toBe(0);
    expect(rows()).toEqual(EXPECTED);
  });

  it.each([1, 2, 3, 1000])('are exact whatever the batch size (%i) and however records arrive', (batch) => {
    home.sink.dns.write([dnsAt(T0), dnsAt(T0 + 1)]);
    rollUp(batch);
    home.sink.dns.write([dnsAt(T0 + 2), dnsAt(T0 + 3), dnsAt(T0 + DAY)]);
    rollUp(batch);
    rollUp(batch);
    expect(rows()).toEqual([
      ['2026-01-31', 'dns', 'dns', 'isp-a', 'unknown', 'none', 0, 0, 4, 0, 0],
      ['2026-02-01', 'dns', 'dns', 'isp-a', 'unknown', 'none', 0, 0, 1, 0, 0],
    ]);
  });

  it('hold no subscriber, pseudonym, address or name', () => {
    seed();
    rollUp();
    const columns = (home.db.prepare('PRAGMA table_info(record_aggregates)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    expect(columns).toEqual([
      'day',
      'kind',
      'channel',
      'isp',
      'direction',
      'verdict',
      'order_id',
      'throttled',
      'count',
      'bytes_up',
      'bytes_down',
    ]);
    const text = JSON.stringify(rows());
    for (const secret of ['p0-', '100.64.0.1', '198.51.100', 'secret-']) expect(text).not.toContain(secret);
  });
});

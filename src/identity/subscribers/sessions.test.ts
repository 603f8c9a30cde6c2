import { describe, expect, it } from 'vitest';
import type { AccountingEvent } from '../accounting-event.js';
import { SessionBook } from './sessions.js';

const ev = (status: AccountingEvent['status'], over: Partial<AccountingEvent> = {}): AccountingEvent => ({
  status,
  isp: 'isp-a',
  nas: '192.0.2.10',
  sessionId: 'S1',
  subscriber: 'sub-42',
  ipv4: 0x64400001,
  ipv6: [],
  time: 1000,
  ...over,
});

describe('SessionBook', () => {
  it('follows Start, Interim and Stop, idempotently', () => {
    const book = new SessionBook();
    book.apply(ev('start'));
    book.apply(ev('start'));
    book.apply(ev('interim', { time: 2000, ipv4: 0x64400002 }));
    expect(book.of('isp-a', 'sub-42')).toEqual([
      {
        isp: 'isp-a',
        subscriber: 'sub-42',
        nas: '192.0.2.10',
        sessionId: 'S1',
        userName: 'sub-42',
        framedIp: '100.64.0.2',
        since: 1000,
      },
    ]);
    book.apply(ev('stop'));
    book.apply(ev('stop'));
    expect(book.of('isp-a', 'sub-42')).toEqual([]);
    expect(book.size).toBe(0);
  });

  it('keeps ISPs, NASes and sessions apart; Accounting-On closes one NAS', () => {
    const book = new SessionBook();
    book.apply(ev('start'));
    book.apply(ev('start', { sessionId: 'S2', nas: 'bras-2', ipv4: -1, time: 500 }));
    book.apply(ev('start', { isp: 'isp-b' }));
    expect(book.of('isp-a', 'sub-42').map((s) => `${s.nas}/${s.sessionId}/${s.framedIp}`)).toEqual([
      'bras-2/S2/null',
      '192.0.2.10/S1/100.64.0.1',
    ]);
    book.apply(ev('on', { sessionId: '' }));
    expect(book.of('isp-a', 'sub-42').map((s) => s.sessionId)).toEqual(['S2']);
    expect(book.of('isp-b', 'sub-42')).toHaveLength(1);
  });

  it('moves a session that changes hands', () => {
    const book = new SessionBook();
    book.apply(ev('start'));
    book.apply(ev('interim', { subscriber: 'sub-7' }));
    expect(book.of('isp-a', 'sub-42')).toEqual([]);
    expect(book.of('isp-a', 'sub-7')).toHaveLength(1);
  });
});

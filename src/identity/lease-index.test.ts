import { describe, expect, test } from 'vitest';
import { parseIPv4 } from '../core/net/address.js';
import { CidrIdentityMap, UNKNOWN_IDENTITY } from './cidr-map.js';
import { LeaseIndex, type LeaseInput } from './lease-index.js';

const v4 = (text: string) => parseIPv4(text);

function lease(over: Partial<LeaseInput> = {}): LeaseInput {
  return {
    isp: 'isp-a',
    nas: '192.0.2.10',
    sessionId: 's1',
    subscriber: 'sub-42',
    ipv4: v4('100.64.0.42'),
    ipv6: [],
    ...over,
  };
}

describe('lookup now', () => {
  test('an open lease names its subscriber', () => {
    const index = new LeaseIndex();
    expect(index.open(lease(), 1000)).toBe('opened');
    expect(index.lookup('100.64.0.42')).toEqual({ isp: 'isp-a', groups: [], subscriber: 'sub-42' });
    expect(index.lookupV4(v4('100.64.0.42')).subscriber).toBe('sub-42');
  });

  test('an IPv4-mapped IPv6 client address finds the IPv4 lease', () => {
    const index = new LeaseIndex();
    index.open(lease(), 1000);
    expect(index.lookup('::ffff:100.64.0.42').subscriber).toBe('sub-42');
  });

  test('no lease: the fallback answers', () => {
    const fallback = new CidrIdentityMap([{ cidr: '100.64.0.0/10', isp: 'isp-a', groups: ['cgnat'] }]);
    const index = new LeaseIndex({ fallback });
    expect(index.lookup('100.64.0.43')).toEqual({ isp: 'isp-a', groups: ['cgnat'], subscriber: null });
    expect(index.lookupV4(v4('100.64.0.43')).groups).toEqual(['cgnat']);
    expect(index.lookup('not an address')).toBe(UNKNOWN_IDENTITY);
  });

  test('IPv6 by delegated prefix, longest prefix first', () => {
    const index = new LeaseIndex();
    const p56 = { hi: 0x20010db8, lo: 0x0001ab00, length: 56 };
    const p64 = { hi: 0x20010db8, lo: 0x0001ab07, length: 64 };
    index.open(lease({ ipv4: -1, ipv6: [p56] }), 1000);
    index.open(lease({ ipv4: -1, ipv6: [p64], sessionId: 's2', subscriber: 'sub-7' }), 1000);
    expect(index.lookup('2001:db8:1:ab01::1').subscriber).toBe('sub-42');
    expect(index.lookup('2001:db8:1:ab07:1:2:3:4').subscriber).toBe('sub-7');
    expect(index.lookup('2001:db8:1:ac00::1')).toBe(UNKNOWN_IDENTITY);
  });

  test('identities are interned per subscriber and carry groups and the pseudonym hook', () => {
    const index = new LeaseIndex({
      groupsOf: (isp, sub) => (sub === 'sub-42' ? [`${isp}:family`] : []),
      pseudonymOf: (isp, sub) => `p(${isp}/${sub})`,
    });
    index.open(lease(), 1000);
    index.open(lease({ sessionId: 's2', ipv4: v4('100.64.0.99') }), 1000);
    const a = index.lookup('100.64.0.42');
    expect(a).toEqual({ isp: 'isp-a', groups: ['isp-a:family'], subscriber: 'p(isp-a/sub-42)' });
    expect(index.lookup('100.64.0.99')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
  });

  test('refreshIdentities re-applies the pseudonym (epoch rotation)', () => {
    let epoch = 1;
    const index = new LeaseIndex({ pseudonymOf: (_isp, sub) => `e${epoch}:${sub}` });
    index.open(lease(), 1000);
    epoch = 2;
    expect(index.lookup('100.64.0.42').subscriber).toBe('e1:sub-42');
    index.refreshIdentities();
    expect(index.lookup('100.64.0.42').subscriber).toBe('e2:sub-42');
  });
});

describe('lookup and the id path agree', () => {
  test('through a session changing hands, a refresh and a close', () => {
    let epoch = 1;
    const index = new LeaseIndex({ pseudonymOf: (_isp, sub) => `e${epoch}:${sub}` });
    const agree = (address: string) => {
      const id = index.idOf(address);
      const viaId = id === 0 ? UNKNOWN_IDENTITY : index.identityOf(id);
      expect(index.lookup(address)).toBe(viaId);
      expect(index.lookupV4(v4(address))).toBe(viaId);
      return viaId.subscriber;
    };
    index.open(lease(), 1000);
    expect(agree('100.64.0.42')).toBe('e1:sub-42');
    index.open(lease({ subscriber: 'sub-7' }), 1001);
    expect(agree('100.64.0.42')).toBe('e1:sub-7');
    epoch = 2;
    index.refreshIdentities();
    expect(agree('100.64.0.42')).toBe('e2:sub-7');
    index.close('isp-a', '192.0.2.10', 's1', 1002);
    expect(agree('100.64.0.42')).toBeNull();
  });
});

describe('integer hot path (idOf)', () => {
  test.each<[string, string | null]>([
    ['100.64.0.42', 'sub-42'],
    ['::ffff:100.64.0.42', 'sub-42'],
    ['2001:db8:1:ab07::1', 'sub-7'],
    ['100.64.0.43', null],
    ['2001:db8:2::1', null],
    ['not an address', null],
    ['', null],
  ])('%s → %s', (address, subscriber) => {
    const index = new LeaseIndex({ pseudonymOf: (_isp, sub) => sub });
    index.open(lease(), 1000);
    index.open(
      lease({
        sessionId: 's2',
        subscriber: 'sub-7',
        ipv4: -1,
        ipv6: [{ hi: 0x20010db8, lo: 0x0001ab07, length: 64 }],
      }),
      1000,
    );
    const id = index.idOf(address);
    expect(id === 0 ? null : index.subscriberOf(id)).toBe(subscriber);
    expect(id === 0 ? null : index.identityOf(id)).toBe(id === 0 ? null : index.lookup(address));
  });

  test('ids agree with lookupV4 and are released and reused with their last lease', () => {
    const index = new LeaseIndex();
    index.open(lease(), 1000);
    const id = index.idOfV4(v4('100.64.0.42'));
    expect(id).toBeGreaterThan(0);
    expect(index.identityOf(id)).toBe(index.lookupV4(v4('100.64.0.42')));
    index.close('isp-a', '192.0.2.10', 's1', 2000);
    expect(index.idOfV4(v4('100.64.0.42'))).toBe(0);
    expect(index.subscriberOf(id)).toBe(null);
    index.open(lease({ sessionId: 's9', subscriber: 'sub-9', ipv4: v4('100.64.0.9') }), 3000);
    expect(index.subscriberOf(index.idOf('100.64.0.9'))).toBe('sub-9');
  });

  test('a table grown from 16 slots: every present address found, absent ones not', () => {
    const index = new LeaseIndex({ capacity: 16 }); // doubles many times on the way
    const base = v4('10.0.0.0');
    for (let i = 0; i < 50_000; i++)
      index.open(lease({ sessionId: `s${i}`, subscriber: `u${i % 1000}`, ipv4: base + i * 3 }), 1000);
    const wrong: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      if (index.subscriberOf(index.idOfV4(base + i * 3)) !== `u${i % 1000}`) wrong.push(i);
      if (index.idOfV4(base + i * 3 + 1) !== 0) wrong.push(-i);
    }
    expect(wrong).toEqual([]);
  });
});

describe('session life cycle', () => {
  test('Stop closes the lease and keeps it in the history', () => {
    const index = new LeaseIndex();
    index.open(lease(), 1000);
    expect(index.close('isp-a', '192.0.2.10', 's1', 5000)).toBe(true);
    expect(index.lookup('100.64.0.42')).toBe(UNKNOWN_IDENTITY);
    expect(index.size).toBe(0);
    expect(index.historyOf('100.64.0.42')).toEqual([
      {
        address: '100.64.0.42',
        isp: 'isp-a',
        subscriber: 'sub-42',
        nas: '192.0.2.10',
        sessionId: 's1',
        from: 1000,
        to: 5000,
      },
    ]);
  });

  test('duplicates are idempotent', () => {
    const index = new LeaseIndex();
    expect(index.open(lease(), 1000)).toBe('opened');
    expect(index.open(lease(), 1000)).toBe('refreshed');
    expect(index.close('isp-a', '192.0.2.10', 's1', 5000)).toBe(true);
    expect(index.close('isp-a', '192.0.2.10', 's1', 5000)).toBe(false);
    expect(index.historySize).toBe(1);
  });

  test('a Start retransmitted after its Stop does not reopen the session', () => {
    const index = new LeaseIndex();
    index.open(lease(), 1000);
    index.close('isp-a', '192.0.2.10', 's1', 5000);
    expect(index.open(lease(), 1000)).toBe('ignored');
    expect(index.lookup('100.64.0.42')).toBe(UNKNOWN_IDENTITY);
    // A genuinely new Start of a reused session id (after a NAS reboot) opens again.
    expect(index.open(lease(), 9000)).toBe('opened');
  });

  test('an Interim-Update that moves the address closes the old one', () => {
    const index = new LeaseIndex();
    index.open(lease(), 1000);
    index.open(lease({ ipv4: v4('100.64.0.50') }), 2000);
    expect(index.lookup('100.64.0.42')).toBe(UNKNOWN_IDENTITY);
    expect(index.lookup('100.64.0.50').subscriber).toBe('sub-42');
    expect(index.at('100.64.0.42', 1500)?.to).toBe(2000);
  });

  test('a new session on a held address takes it over', () => {
    const index = new LeaseIndex();
    index.open(lease(), 1000);
    index.open(lease({ sessionId: 's2', subscriber: 'sub-9' }), 2000);
    expect(index.lookup('100.64.0.42').subscriber).toBe('sub-9');
    // The old session's late Stop must not remove the new holder.
    index.close('isp-a', '192.0.2.10', 's1', 3000);
    expect(index.lookup('100.64.0.42').subscriber).toBe('sub-9');
    expect(index.at('100.64.0.42', 1500)?.subscriber).toBe('sub-42');
  });

  test('Accounting-On/Off closes every session of that NAS only', () => {
    const index = new LeaseIndex();
    index.open(lease(), 1000);
    index.open(lease({ sessionId: 's2', ipv4: v4('100.64.0.43') }), 1000);
    index.open(lease({ nas: '192.0.2.11', sessionId: 's3', ipv4: v4('100.64.0.44') }), 1000);
    expect(index.closeNas('isp-a', '192.0.2.10', 4000)).toBe(2);
    expect(index.size).toBe(1);
    expect(index.lookup('100.64.0.44').subscriber).toBe('sub-42');
    expect(index.closeNas('isp-b', '192.0.2.11', 4000)).toBe(0);
  });

  test('sweep closes sessions not refreshed since a time', () => {
    const index = new LeaseIndex();
    index.open(lease(), 1000);
    index.open(lease({ sessionId: 's2', ipv4: v4('100.64.0.43') }), 8000);
    expect(index.sweep(5000, 10_000)).toBe(1);
    expect(index.lookup('100.64.0.42')).toBe(UNKNOWN_IDENTITY);
    expect(index.lookup('100.64.0.43').subscriber).toBe('sub-42');
  });
});

describe('at(address, time)', () => {
  const index = new LeaseIndex();
  index.open(lease({ subscriber: 'alice' }), 1000);
  index.close('isp-a', '192.0.2.10', 's1', 2000);
  index.open(lease({ subscriber: 'bob', sessionId: 's2' }), 3000);
  const p56 = { hi: 0x20010db8, lo: 0x0001ab00, length: 56 };
  index.open(lease({ subscriber: 'carol', sessionId: 's3', ipv4: -1, ipv6: [p56] }), 1000);

  test.each<[string, number, string | null]>([
    ['100.64.0.42', 999, null],
    ['100.64.0.42', 1000, 'alice'],
    ['100.64.0.42', 1999, 'alice'],
    ['100.64.0.42', 2500, null],
    ['100.64.0.42', 3000, 'bob'],
    ['2001:db8:1:abff::9', 1500, 'carol'],
    ['2001:db8:1:ab00::/56', 1500, 'carol'],
    ['2001:db8:2::1', 1500, null],
  ])('%s at %d', (address, time, subscriber) => {
    expect(index.at(address, time)?.subscriber ?? null).toBe(subscriber);
  });

  test('history is bounded per address and pruned by age', () => {
    const small = new LeaseIndex({ historyPerAddress: 2 });
    for (let i = 0; i < 5; i++) {
      small.open(lease({ sessionId: `s${i}` }), i * 10 + 1);
      small.close('isp-a', '192.0.2.10', `s${i}`, i * 10 + 5);
    }
    expect(small.historyOf('100.64.0.42').map((l) => l.sessionId)).toEqual(['s3', 's4']);
    expect(small.pruneHistory(40)).toBe(1);
    expect(small.historySize).toBe(1);
  });
});

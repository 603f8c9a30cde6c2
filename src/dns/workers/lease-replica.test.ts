import { describe, expect, it } from 'vitest';
import { CidrIdentityMap } from '../../identity/cidr-map.js';
import { LeaseIndex } from '../../identity/lease-index.js';
import { LeaseReplica } from './lease-replica.js';
import type { LeaseChange } from './messages.js';

const ip = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
const map = new CidrIdentityMap([{ cidr: '10.0.0.0/8', isp: 'isp-map', groups: [] }]);

/** A main-thread index and a worker replica fed by its observer, as the pool wires them. */
function pair() {
  const main = new LeaseIndex({ fallback: map, pseudonymOf: (isp, sub) => `p-${isp}-${sub}` });
  const replica = new LeaseReplica(map);
  let queue: LeaseChange[] = [];
  main.observe({
    lease: (v4, v6, id, identity) => queue.push({ v4, v6, id, identity }),
    refreshed: () => {
      queue = [];
      replica.apply([...main.active()], true);
    },
  });
  const sync = () => {
    replica.apply(queue);
    queue = [];
  };
  return { main, replica, sync };
}

const session = (sessionId: string, subscriber: string, ipv4: number, ipv6: LeaseChange['v6'][] = []) => ({
  isp: 'isp-a',
  nas: '192.0.2.1',
  sessionId,
  subscriber,
  ipv4,
  ipv6: ipv6.filter((p) => p !== null),
});

describe('lease replica', () => {
  const addresses = [
    '10.1.2.3',
    '10.1.2.4',
    '::ffff:10.1.2.3',
    '2001:db8:1:2::99',
    '2001:db8:9::1',
    '192.0.2.7',
  ];

  it.each([
    { name: 'a Start', steps: (m: LeaseIndex) => m.open(session('s1', 'alice', ip(10, 1, 2, 3)), 1) },
    {
      name: 'an IPv6 delegated prefix',
      steps: (m: LeaseIndex) =>
        m.open(session('s1', 'alice', -1, [{ hi: 0x20010db8, lo: 0x00010200, length: 56 }]), 1),
    },
    {
      name: 'a Stop',
      steps: (m: LeaseIndex) => {
        m.open(session('s1', 'alice', ip(10, 1, 2, 3)), 1);
        m.close('isp-a', '192.0.2.1', 's1', 2);
      },
    },
    {
      name: 'an address changing hands',
      steps: (m: LeaseIndex) => {
        m.open(session('s1', 'alice', ip(10, 1, 2, 3)), 1);
        m.open(session('s2', 'bob', ip(10, 1, 2, 3)), 2);
        m.open(session('s3', 'carol', ip(10, 1, 2, 4)), 3);
        m.closeNas('isp-a', '192.0.2.1', 4);
        m.open(session('s4', 'dave', ip(10, 1, 2, 4)), 5);
      },
    },
  ])('answers as the main index after $name', ({ steps }) => {
    const { main, replica, sync } = pair();
    steps(main);
    sync();
    for (const a of addresses) expect(replica.lookup(a), a).toEqual(main.lookup(a));
    // The u32 path (batched UDP) answers as the text path, leased or not (192.0.2.7: no lease, no map entry).
    for (const a of [ip(10, 1, 2, 3), ip(10, 1, 2, 4), ip(10, 9, 9, 9), ip(192, 0, 2, 7)]) {
      expect(replica.lookupV4(a), String(a)).toEqual(main.lookupV4(a));
      expect(main.lookupV4(a), String(a)).toEqual(
        main.lookup(`${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`),
      );
    }
  });

  it('starts from a snapshot and resyncs after identities are rebuilt', () => {
    const { main, replica } = pair();
    main.open(session('s1', 'alice', ip(10, 1, 2, 3)), 1);
    const late = new LeaseReplica(map);
    late.apply([...main.active()], true);
    expect(late.lookup('10.1.2.3').subscriber).toBe('p-isp-a-alice');
    main.refreshIdentities();
    expect(replica.lookup('10.1.2.3')).toEqual(main.lookup('10.1.2.3'));
  });
});

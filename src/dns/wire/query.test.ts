import * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { OPTION, RCODE, TYPE } from './constants.js';
import { ednsOptions } from './edns.js';
import { type ParseError, parseQuery, type Query, queryName } from './query.js';

const encode = (p: unknown): Buffer => dnsPacket.encode(p as dnsPacket.Packet);

function opt(options: unknown[] = [], extra: Record<string, unknown> = {}): unknown {
  return { type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options, ...extra };
}

function query(
  name: string,
  type = 'A',
  additionals: unknown[] = [],
  flags = dnsPacket.RECURSION_DESIRED,
): Buffer {
  return encode({ type: 'query', id: 0xbeef, flags, questions: [{ type, name, class: 'IN' }], additionals });
}

function ok(buf: Uint8Array, opts?: Parameters<typeof parseQuery>[2]): Query {
  const r = parseQuery(buf, buf.length, opts);
  if (!r.ok) throw new Error(`expected a query, got ${JSON.stringify({ ...r, buf: undefined })}`);
  return r;
}

describe('parseQuery against dns-packet encodings', () => {
  const cases: Array<{
    title: string;
    buf: Buffer;
    name: string;
    qtype: number;
    check?: (q: Query) => void;
  }> = [
    { title: 'plain A', buf: query('www.Example.COM', 'A'), name: 'www.example.com', qtype: TYPE.A },
    { title: 'AAAA', buf: query('ipv6.google.com', 'AAAA'), name: 'ipv6.google.com', qtype: TYPE.AAAA },
    { title: 'root NS', buf: query('.', 'NS'), name: '.', qtype: TYPE.NS },
    { title: 'ANY', buf: query('example.org', 'ANY'), name: 'example.org', qtype: TYPE.ANY },
    {
      title: 'EDNS with DO and size',
      buf: query('example.net', 'A', [opt([], { udpPayloadSize: 4096, flags: dnsPacket.DNSSEC_OK })]),
      name: 'example.net',
      qtype: TYPE.A,
      check: (q) =>
        expect(q.edns).toMatchObject({ udpSize: 4096, dnssecOk: true, version: 0, optionCount: 0 }),
    },
    {
      title: 'EDNS size under 512 reads as 512',
      buf: query('example.net', 'A', [opt([], { udpPayloadSize: 100 })]),
      name: 'example.net',
      qtype: TYPE.A,
      check: (q) => expect(q.edns?.udpSize).toBe(512),
    },
    {
      title: 'ECS located for stripping',
      buf: query('ecs.example', 'A', [
        opt([
          { code: 10, data: Buffer.alloc(8, 1) },
          { code: 'CLIENT_SUBNET', ip: '198.51.100.0', sourcePrefixLength: 24 },
        ]),
      ]),
      name: 'ecs.example',
      qtype: TYPE.A,
      check: (q) => {
        const e = q.edns!;
        expect(e.optionCount).toBe(2);
        expect(e.ecsLength).toBe(4 + 7);
        expect((q.buf[e.ecsOffset] << 8) | q.buf[e.ecsOffset + 1]).toBe(OPTION.ECS);
        expect([...ednsOptions(q.buf, e)].map((o) => o.code)).toEqual([10, 8]);
      },
    },
    {
      title: 'EDE in query (legacy structured-error signal)',
      buf: query('sde.example', 'A', [opt([{ code: 15, data: Buffer.from([0, 0]) }])]),
      name: 'sde.example',
      qtype: TYPE.A,
      check: (q) => expect(q.edns).toMatchObject({ ede: true, structuredErrors: true }),
    },
    {
      title: 'EDE with text is not the signal',
      buf: query('sde.example', 'A', [opt([{ code: 15, data: Buffer.from([0, 0, 0x41]) }])]),
      name: 'sde.example',
      qtype: TYPE.A,
      check: (q) => expect(q.edns).toMatchObject({ ede: true, structuredErrors: false }),
    },
    {
      title: 'escaped bytes in labels',
      buf: Buffer.from([
        0xbe, 0xef, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x61, 0x2e, 0x62, 3, 0x45, 0x20, 0x5c, 0, 0, 16, 0, 1,
      ]),
      name: 'a\\046b.e\\032\\092',
      qtype: TYPE.TXT,
    },
  ];
  it.each(cases)('$title', ({ buf, name, qtype, check }) => {
    const q = ok(buf, { name: true });
    expect(q.id).toBe(0xbeef);
    expect(q.name).toBe(name);
    expect(queryName(ok(buf))).toBe(name);
    expect(q.qtype).toBe(qtype);
    expect(q.qclass).toBe(1);
    expect(q.questionEnd).toBe(q.qnameEnd + 4);
    check?.(q);
  });

  it('recognises the SDE option by its configured code (draft-22 §5.4, code still TBD)', () => {
    const buf = query('sde.example', 'A', [opt([{ code: 65001, data: Buffer.alloc(0) }])]);
    expect(ok(buf).edns?.structuredErrors).toBe(false);
    expect(ok(buf, { sdeOptionCode: 65001 }).edns?.structuredErrors).toBe(true);
  });

  it('honours len shorter than the buffer', () => {
    const buf = Buffer.concat([query('example.com'), Buffer.alloc(50, 0xff)]);
    expect(ok(buf.subarray(0, buf.length - 50)).qtype).toBe(TYPE.A);
    expect(parseQuery(buf, 20)).toMatchObject({ ok: false, reason: 'truncated-question' });
  });
});

function header(id: number, flags: number, qd: number, an: number, ns: number, ar: number): number[] {
  return [id >> 8, id & 0xff, flags >> 8, flags & 0xff, 0, qd, 0, an, 0, ns, 0, ar];
}
const Q_EXAMPLE = [7, ...Buffer.from('example'), 3, ...Buffer.from('com'), 0, 0, 1, 0, 1];
const OPT_RR = [0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0];

describe('parseQuery on malformed input', () => {
  const long = (n: number) => [n, ...Buffer.alloc(n, 0x61)];
  const cases: Array<{ title: string; bytes: number[]; drop?: string; rcode?: number; reason?: string }> = [
    { title: 'empty', bytes: [], drop: 'truncated-header' },
    {
      title: 'truncated header',
      bytes: header(1, 0x0100, 1, 0, 0, 0).slice(0, 11),
      drop: 'truncated-header',
    },
    {
      title: 'a response (QR=1)',
      bytes: [...header(1, 0x8100, 1, 0, 0, 0), ...Q_EXAMPLE],
      drop: 'not-a-query',
    },
    { title: 'QDCOUNT 0', bytes: header(1, 0x0100, 0, 0, 0, 0), rcode: RCODE.FORMERR, reason: 'qdcount' },
    {
      title: 'QDCOUNT 2',
      bytes: [...header(1, 0x0100, 2, 0, 0, 0), ...Q_EXAMPLE, ...Q_EXAMPLE],
      rcode: RCODE.FORMERR,
      reason: 'qdcount',
    },
    {
      title: 'opcode 2 (STATUS)',
      bytes: [...header(1, 0x1100, 1, 0, 0, 0), ...Q_EXAMPLE],
      rcode: RCODE.NOTIMP,
      reason: 'opcode',
    },
    {
      title: 'truncated question',
      bytes: [...header(1, 0x0100, 1, 0, 0, 0), ...Q_EXAMPLE.slice(0, 15)],
      rcode: RCODE.FORMERR,
      reason: 'truncated-question',
    },
    {
      title: 'missing QTYPE',
      bytes: [...header(1, 0x0100, 1, 0, 0, 0), ...Q_EXAMPLE.slice(0, -3)],
      rcode: RCODE.FORMERR,
      reason: 'truncated-question',
    },
    {
      title: 'pointer loop (QNAME points at itself)',
      bytes: [...header(1, 0, 1, 0, 0, 0), 0xc0, 12, 0, 1, 0, 1],
      rcode: RCODE.FORMERR,
      reason: 'bad-pointer',
    },
    {
      title: 'forward pointer',
      bytes: [...header(1, 0, 1, 0, 0, 0), 1, 0x61, 0xc0, 20, 0, 1, 0, 1, 0],
      rcode: RCODE.FORMERR,
      reason: 'bad-pointer',
    },
    {
      title: 'pointer into the header',
      bytes: [...header(1, 0, 1, 0, 0, 0), 0xc0, 2, 0, 1, 0, 1],
      rcode: RCODE.FORMERR,
      reason: 'bad-pointer',
    },
    {
      title: 'label of 64',
      bytes: [...header(1, 0, 1, 0, 0, 0), ...long(64), 0, 0, 1, 0, 1],
      rcode: RCODE.FORMERR,
      reason: 'label-too-long',
    },
    {
      title: 'extended label type 0x80',
      bytes: [...header(1, 0, 1, 0, 0, 0), 0x80, 0, 0, 1, 0, 1],
      rcode: RCODE.FORMERR,
      reason: 'label-too-long',
    },
    {
      title: 'name of 256 bytes',
      bytes: [...header(1, 0, 1, 0, 0, 0), ...long(63), ...long(63), ...long(63), ...long(62), 0, 0, 1, 0, 1],
      rcode: RCODE.FORMERR,
      reason: 'name-too-long',
    },
    {
      title: 'OPT twice',
      bytes: [...header(1, 0, 1, 0, 0, 2), ...Q_EXAMPLE, ...OPT_RR, ...OPT_RR],
      rcode: RCODE.FORMERR,
      reason: 'opt-duplicate',
    },
    {
      title: 'OPT owner not root',
      bytes: [...header(1, 0, 1, 0, 0, 1), ...Q_EXAMPLE, 0xc0, 12, ...OPT_RR.slice(1)],
      rcode: RCODE.FORMERR,
      reason: 'opt-not-root',
    },
    {
      title: 'OPT option overruns RDATA',
      bytes: [...header(1, 0, 1, 0, 0, 1), ...Q_EXAMPLE, ...OPT_RR.slice(0, -2), 0, 6, 0, 8, 0, 9, 1, 2],
      rcode: RCODE.FORMERR,
      reason: 'opt-bad-option',
    },
    {
      title: 'OPT option header cut',
      bytes: [...header(1, 0, 1, 0, 0, 1), ...Q_EXAMPLE, ...OPT_RR.slice(0, -2), 0, 3, 0, 8, 0],
      rcode: RCODE.FORMERR,
      reason: 'opt-bad-option',
    },
    {
      title: 'OPT RDATA truncated',
      bytes: [...header(1, 0, 1, 0, 0, 1), ...Q_EXAMPLE, ...OPT_RR.slice(0, -2), 0, 8, 0, 8],
      rcode: RCODE.FORMERR,
      reason: 'truncated-record',
    },
    {
      title: 'ARCOUNT larger than records',
      bytes: [...header(1, 0, 1, 0, 0, 2), ...Q_EXAMPLE, ...OPT_RR],
      rcode: RCODE.FORMERR,
      reason: 'truncated-record',
    },
    {
      title: 'EDNS version 1',
      bytes: [...header(1, 0, 1, 0, 0, 1), ...Q_EXAMPLE, 0, 0, 41, 0x04, 0xd0, 0, 1, 0, 0, 0, 0],
      rcode: RCODE.BADVERS,
      reason: 'bad-version',
    },
  ];
  it.each(cases)('$title', ({ bytes, drop, rcode, reason }) => {
    const r = parseQuery(Uint8Array.from(bytes));
    expect(r.ok).toBe(false);
    if (drop !== undefined) expect(r).toMatchObject({ drop: true, reason: drop });
    else expect(r).toMatchObject({ drop: false, rcode, reason });
  });

  it('keeps the question and OPT of a BADVERS query for the answer', () => {
    const r = parseQuery(
      Uint8Array.from([...header(9, 0, 1, 0, 0, 1), ...Q_EXAMPLE, 0, 0, 41, 4, 0xd0, 0, 1, 0x80, 0, 0, 0]),
    ) as ParseError;
    expect(r.questionEnd).toBe(12 + Q_EXAMPLE.length);
    expect(r.edns).toMatchObject({ version: 1, dnssecOk: true });
  });

  it.each([Number.NaN, -1, 1.5, 1e9, Number.POSITIVE_INFINITY])(
    'treats len %s as the buffer length',
    (len) => {
      expect(parseQuery(Uint8Array.from([...header(1, 0, 1, 0, 0, 0), ...Q_EXAMPLE]), len).ok).toBe(true);
    },
  );

  it('never throws on random bytes', () => {
    let seed = 1;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 16) & 0xff;
    };
    for (let i = 0; i < 5000; i++) {
      const buf = Uint8Array.from({ length: rand() % 80 }, rand);
      if (buf.length > 2) buf[2] &= 0x7f;
      expect(() => parseQuery(buf)).not.toThrow();
    }
  });
});

import * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { isGatehouseError } from '../../core/errors.js';
import { EDE_CODE, RCODE } from './constants.js';
import { type ParseError, parseQuery, type Query } from './query.js';
import { buildAnswer, buildBlockResponse, buildErrorResponse, buildMinimalAny } from './response.js';
import { structuredErrorJson } from './structured-error.js';

type Opt = {
  type: 'OPT';
  udpPayloadSize: number;
  extendedRcode: number;
  flag_do: boolean;
  options: Array<{ code: number; data: Buffer }>;
};
const encode = (p: unknown): Buffer => dnsPacket.encode(p as dnsPacket.Packet);

function parse(name: string, type = 'A', edns: Record<string, unknown> | null = {}): Query {
  const additionals =
    edns === null ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: [], ...edns }];
  const buf = encode({
    type: 'query',
    id: 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name }],
    additionals,
  });
  const q = parseQuery(buf);
  if (!q.ok) throw new Error('test query did not parse');
  return q;
}

function decode(buf: Buffer) {
  const p = dnsPacket.decode(buf);
  const opt = (p.additionals ?? []).find((a) => a.type === 'OPT') as unknown as Opt | undefined;
  const ede = opt?.options.find((o) => o.code === 15);
  return {
    p,
    rcode: (p.flags ?? 0) & 0xf,
    opt,
    ede:
      ede === undefined
        ? undefined
        : { infoCode: ede.data.readUInt16BE(0), text: ede.data.toString('utf8', 2) },
  };
}

const SOA = {
  mname: 'ns.gatehouse.example',
  rname: 'hostmaster.gatehouse.example',
  serial: 2026070101,
  negativeTtl: 30,
};

describe('buildErrorResponse', () => {
  it.each([RCODE.FORMERR, RCODE.SERVFAIL, RCODE.REFUSED, RCODE.NOTIMP])(
    'rcode %i echoes the question and OPT',
    (rcode) => {
      const d = decode(buildErrorResponse(parse('Example.COM'), rcode));
      expect(d.p.id).toBe(4242);
      expect(d.rcode).toBe(rcode);
      expect(d.p.flag_qr && d.p.flag_rd && d.p.flag_ra).toBe(true);
      expect(d.p.questions).toEqual([{ name: 'Example.COM', type: 'A', class: 'IN' }]);
      expect(d.opt).toBeDefined();
    },
  );

  it('answers a malformed query without a question', () => {
    const bad = parseQuery(Uint8Array.from([0, 7, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0])) as ParseError;
    const d = decode(buildErrorResponse(bad, bad.rcode));
    expect(d.p).toMatchObject({ id: 7, questions: [] });
    expect(d.rcode).toBe(RCODE.FORMERR);
  });

  it('sends BADVERS through the extended RCODE with version 0', () => {
    const buf = encode({
      type: 'query',
      id: 1,
      questions: [{ type: 'A', name: 'v.example' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, ednsVersion: 1, flags: 0 }],
    });
    const bad = parseQuery(buf) as ParseError;
    expect(bad.rcode).toBe(RCODE.BADVERS);
    const d = decode(buildErrorResponse(bad, bad.rcode));
    expect(d.rcode).toBe(0);
    expect(d.opt?.extendedRcode).toBe(1);
  });

  it('falls back to SERVFAIL for an extended RCODE without EDNS', () => {
    expect(decode(buildErrorResponse(parse('x.example', 'A', null), RCODE.BADVERS)).rcode).toBe(
      RCODE.SERVFAIL,
    );
  });
});

describe('buildBlockResponse', () => {
  const json = structuredErrorJson(
    { j: 'court order 2026/17', o: 'Gatehouse', c: ['mailto:appeals@gov.example'], l: 'en' },
    { infoCode: 16 },
  );
  it.each([
    { answer: 'nxdomain' as const, rcode: RCODE.NXDOMAIN, soa: true },
    { answer: 'nodata' as const, rcode: RCODE.NOERROR, soa: true },
    { answer: 'refused' as const, rcode: RCODE.REFUSED, soa: false },
  ])('$answer', ({ answer, rcode, soa }) => {
    const q = parse('blocked.example', 'AAAA', { flags: dnsPacket.DNSSEC_OK });
    const d = decode(
      buildBlockResponse(q, {
        answer,
        soa: SOA,
        ede: { infoCode: EDE_CODE.CENSORED, extraText: json },
        ednsBufferSize: 1400,
      }),
    );
    expect(d.rcode).toBe(rcode);
    expect(d.p.answers).toEqual([]);
    expect(d.ede).toEqual({ infoCode: 16, text: json });
    expect(d.opt).toMatchObject({ udpPayloadSize: 1400, flag_do: true });
    if (!soa) return expect(d.p.authorities).toEqual([]);
    expect(d.p.authorities).toEqual([
      {
        name: 'blocked.example',
        type: 'SOA',
        class: 'IN',
        ttl: 30,
        flush: false,
        data: { ...SOA, negativeTtl: undefined, refresh: 3600, retry: 600, expire: 86400, minimum: 30 },
      },
    ]);
  });

  it('omits OPT and EDE when the query had no EDNS (RFC 6891 §7)', () => {
    const d = decode(
      buildBlockResponse(parse('blocked.example', 'A', null), {
        answer: 'nxdomain',
        soa: SOA,
        ede: { infoCode: 16 },
      }),
    );
    expect(d.opt).toBeUndefined();
    expect(d.p.additionals).toEqual([]);
  });

  it('uses a given zone as the SOA owner and keeps UTF-8 EXTRA-TEXT intact', () => {
    const text = 'Zugriff gesperrt — Anordnung 17';
    const d = decode(
      buildBlockResponse(parse('a.b.blocked.example'), {
        answer: 'nxdomain',
        soa: { ...SOA, zone: 'blocked.example' },
        ede: { infoCode: 15, extraText: text },
      }),
    );
    expect(d.p.authorities?.[0].name).toBe('blocked.example');
    expect(d.ede).toEqual({ infoCode: 15, text });
  });
});

describe('buildAnswer', () => {
  it('answers a notice address with EDE 4 Forged Answer', () => {
    const d = decode(
      buildAnswer(parse('notice.example'), [{ type: 'A', ttl: 60, address: '192.0.2.80' }], {
        ede: { infoCode: EDE_CODE.FORGED_ANSWER },
      }),
    );
    expect(d.p.answers).toEqual([
      { name: 'notice.example', type: 'A', class: 'IN', ttl: 60, flush: false, data: '192.0.2.80' },
    ]);
    expect(d.ede?.infoCode).toBe(4);
  });

  it('answers AAAA', () => {
    const d = decode(
      buildAnswer(parse('notice.example', 'AAAA'), [{ type: 'AAAA', ttl: 60, address: '2001:db8::80' }]),
    );
    expect(d.p.answers?.[0]).toMatchObject({ type: 'AAAA', data: '2001:db8::80' });
  });

  it('chains CNAMEs for safe-search, each owner the previous target', () => {
    const q = parse('www.google.com');
    const out = buildAnswer(q, [
      { type: 'CNAME', ttl: 300, target: 'forcesafesearch.google.com' },
      { type: 'CNAME', ttl: 300, target: 'edge.forcesafesearch.google.com' },
      { type: 'A', ttl: 300, address: '216.239.38.120' },
    ]);
    const d = decode(out);
    expect(d.p.answers?.map((a) => [a.name, a.type, (a as { data?: unknown }).data])).toEqual([
      ['www.google.com', 'CNAME', 'forcesafesearch.google.com'],
      ['forcesafesearch.google.com', 'CNAME', 'edge.forcesafesearch.google.com'],
      ['edge.forcesafesearch.google.com', 'A', '216.239.38.120'],
    ]);
    // Compression: "google.com" is written once, in the echoed question.
    expect(out.length).toBeLessThan(140);
  });

  it('throws a catalogue error for an address that cannot be encoded', () => {
    try {
      buildAnswer(parse('x.example'), [{ type: 'A', ttl: 1, address: '300.1.1.1' }]);
      expect.unreachable();
    } catch (err) {
      expect(isGatehouseError(err, 'GH_ERR_DNS_ENCODE')).toBe(true);
    }
  });
});

describe('buildMinimalAny', () => {
  it('answers ANY with one HINFO "RFC8482" (RFC 8482 §4.2)', () => {
    const d = decode(buildMinimalAny(parse('example.com', 'ANY'), 3600));
    expect(d.p.answers).toEqual([
      {
        name: 'example.com',
        type: 'HINFO',
        class: 'IN',
        ttl: 3600,
        flush: false,
        data: { cpu: 'RFC8482', os: '' },
      },
    ]);
  });
});

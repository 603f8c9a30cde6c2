import * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { encodeEde } from './edns.js';
import { inspectAnswers } from './inspect.js';
import {
  adjustTtls,
  appendEdnsOption,
  findOpt,
  rewriteUpstreamResponse,
  stripEcs,
  truncateForUdp,
} from './rewrite.js';

const encode = (p: unknown): Buffer => dnsPacket.encode(p as dnsPacket.Packet);
type Opt = { type: 'OPT'; udpPayloadSize: number; options: Array<{ code: number; data: Buffer }> };
const optOf = (buf: Buffer) =>
  dnsPacket.decode(buf).additionals?.find((a) => a.type === 'OPT') as unknown as Opt | undefined;

function response(opts: {
  answers?: unknown[];
  options?: unknown[];
  authorities?: unknown[];
  edns?: boolean;
}): Buffer {
  return encode({
    type: 'response',
    id: 77,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: [{ type: 'A', name: 'www.example.com' }],
    answers: opts.answers ?? [],
    authorities: opts.authorities ?? [],
    additionals:
      opts.edns === false
        ? []
        : [{ type: 'OPT', name: '.', udpPayloadSize: 4096, flags: 0, options: opts.options ?? [] }],
  });
}

const A = (name: string, ttl: number, data: string) => ({ type: 'A', name, ttl, data });
const ECS = { code: 'CLIENT_SUBNET', ip: '198.51.100.0', sourcePrefixLength: 24 };
const COOKIE = { code: 10, data: Buffer.alloc(8, 7) };

describe('rewriteUpstreamResponse', () => {
  it.each([
    { title: 'ECS alone', options: [ECS], left: [] },
    {
      title: 'ECS between others',
      options: [COOKIE, ECS, { code: 12, data: Buffer.alloc(4) }],
      left: [10, 12],
    },
    { title: 'no ECS', options: [COOKIE], left: [10] },
  ])('strips ECS: $title', ({ options, left }) => {
    const buf = response({ answers: [A('www.example.com', 300, '192.0.2.1')], options });
    const n = stripEcs(buf, buf.length);
    const out = buf.subarray(0, n);
    expect(optOf(out)?.options.map((o) => o.code)).toEqual(left);
    expect(dnsPacket.decode(out).answers?.[0]).toMatchObject({ data: '192.0.2.1' });
  });

  it('sets ID, UDP size and ages TTLs in one pass', () => {
    const buf = response({
      answers: [A('www.example.com', 300, '192.0.2.1'), A('www.example.com', 20, '192.0.2.2')],
      options: [ECS],
    });
    const n = rewriteUpstreamResponse(buf, buf.length, { id: 999, stripEcs: true, udpSize: 1232, age: 30 });
    const p = dnsPacket.decode(buf.subarray(0, n));
    expect(p.id).toBe(999);
    expect(p.answers?.map((a) => (a as { ttl?: number }).ttl)).toEqual([270, 0]);
    expect(optOf(buf.subarray(0, n))).toMatchObject({ udpPayloadSize: 1232, options: [] });
  });

  it('clamps TTLs and treats TTLs with the top bit set as 0 (RFC 2181 §8)', () => {
    const buf = response({
      answers: [
        A('a.example', 5, '192.0.2.1'),
        A('a.example', 0x80000000, '192.0.2.2'),
        A('a.example', 999999, '192.0.2.3'),
      ],
    });
    expect(adjustTtls(buf, buf.length, 0, 60, 3600)).toBe(true);
    expect(dnsPacket.decode(buf).answers?.map((a) => (a as { ttl?: number }).ttl)).toEqual([60, 60, 3600]);
  });

  it('truncates for UDP: header, question and OPT, TC=1 (RFC 6891 §7)', () => {
    const answers = Array.from({ length: 60 }, (_, i) => A('www.example.com', 60, `192.0.2.${i}`));
    const buf = response({ answers });
    expect(buf.length).toBeGreaterThan(512);
    const n = truncateForUdp(buf, buf.length, 512);
    const p = dnsPacket.decode(buf.subarray(0, n));
    expect(n).toBeLessThanOrEqual(512);
    expect(p.flag_tc).toBe(true);
    expect(p.answers).toEqual([]);
    expect(p.questions?.[0].name).toBe('www.example.com');
    expect(optOf(buf.subarray(0, n))?.udpPayloadSize).toBe(4096);
  });

  it('leaves a response that fits alone', () => {
    const buf = response({ answers: [A('www.example.com', 60, '192.0.2.1')] });
    expect(truncateForUdp(buf, buf.length, 512)).toBe(buf.length);
    expect(dnsPacket.decode(buf).flag_tc).toBe(false);
  });

  it('appends EDE to OPT', () => {
    const buf = response({ answers: [A('www.example.com', 60, '192.0.2.1')], options: [COOKIE] });
    const out = appendEdnsOption(buf, buf.length, encodeEde({ infoCode: 3 }))!;
    expect(optOf(out)?.options.map((o) => o.code)).toEqual([10, 15]);
    expect(appendEdnsOption(response({ edns: false }), 40, encodeEde({ infoCode: 3 }))).toBeNull();
  });

  it('reports malformed messages', () => {
    const buf = response({ answers: [A('www.example.com', 60, '192.0.2.1')] });
    expect(findOpt(buf, buf.length - 3)).toBe(-1);
    expect(rewriteUpstreamResponse(buf, 8, { id: 1 })).toBe(-1);
  });
});

describe('inspectAnswers', () => {
  it('yields CNAME targets and addresses in order', () => {
    const buf = response({
      answers: [
        { type: 'CNAME', name: 'www.example.com', ttl: 60, data: 'CDN.Example.net' },
        A('cdn.example.net', 60, '203.0.113.9'),
        { type: 'AAAA', name: 'cdn.example.net', ttl: 60, data: '2001:db8::1:2' },
        { type: 'TXT', name: 'cdn.example.net', ttl: 60, data: 'ignored' },
      ],
    });
    const seen: unknown[] = [];
    const result = inspectAnswers(buf, buf.length, {
      cname: (t) => void seen.push(t),
      a: (v) => void seen.push(v),
      aaaa: (...w) => void seen.push(w.slice(0, 4)),
    });
    expect(result).toBe('done');
    expect(seen).toEqual(['cdn.example.net', 0xcb007109, [0x20010db8, 0, 0, 0x10002]]);
  });

  it('stops early and flags malformed RDATA', () => {
    const buf = response({ answers: [A('a.example', 1, '192.0.2.1'), A('a.example', 1, '192.0.2.2')] });
    let count = 0;
    expect(inspectAnswers(buf, buf.length, { a: () => ++count > 5 })).toBe('stopped');
    expect(inspectAnswers(buf, buf.length - 20, {})).toBe('malformed');
  });
});

describe('reused cursors', () => {
  it('a visitor inspecting another message gets its own cursor; the outer walk goes on', () => {
    const outer = response({ answers: [A('a.example', 60, '192.0.2.1'), A('a.example', 60, '192.0.2.2')] });
    const inner = response({ answers: [A('b.example', 60, '198.51.100.7')] });
    const seen: number[] = [];
    const result = inspectAnswers(outer, outer.length, {
      a: (v) => {
        seen.push(v);
        inspectAnswers(inner, inner.length, { a: (w) => void seen.push(w) });
        return true;
      },
    });
    expect(result).toBe('done');
    expect(seen).toEqual([0xc0000201, 0xc6336407, 0xc0000202, 0xc6336407]);
  });

  it.each([
    { title: 'well-formed, with OPT', buf: response({ answers: [A('a.example', 60, '192.0.2.1')] }), cut: 0 },
    { title: 'without OPT', buf: response({ edns: false }), cut: 0 },
    { title: 'malformed', buf: response({ answers: [A('a.example', 60, '192.0.2.1')] }), cut: 3 },
  ])('findOpt, adjustTtls and truncateForUdp answer alike call after call: $title', ({ buf, cut }) => {
    const runs = [0, 1, 2].map(() => {
      const copy = Buffer.from(buf);
      const len = copy.length - cut;
      const opt = findOpt(copy, len);
      return {
        opt: opt === null || opt === -1 ? opt : { ...opt },
        ttls: adjustTtls(copy, len, 10),
        trunc: truncateForUdp(copy, len, 20),
      };
    });
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
  });
});

/**
 * Fuzz and benchmark corpus: real queries and responses encoded by dns-packet (an
 * independent codec) for names from the Umbrella top-100k list, read in place from
 * /work/shared/data (override with GATEHOUSE_UMBRELLA). A few built-in names keep the
 * corpus usable where the list is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as dnsPacket from 'dns-packet';
import { seededRandom } from '../../bench/seeded-names.js';

const UMBRELLA =
  process.env.GATEHOUSE_UMBRELLA ?? '/work/shared/data/umbrella-top-100k/umbrella-top-100k.txt';
const FALLBACK = [
  'google.com',
  'www.example.com',
  'a.b.c.d.example.org',
  'xn--bcher-kva.example',
  '_dmarc.example.net',
];
const TYPES = [
  'A',
  'AAAA',
  'A',
  'AAAA',
  'MX',
  'TXT',
  'NS',
  'ANY',
  'CNAME',
  'SOA',
  'PTR',
  'SRV',
  'HTTPS',
] as const;

const encode = (p: unknown): Buffer => dnsPacket.encode(p as dnsPacket.Packet);

/** Deterministic PRNG (mulberry32, shared with the benchmarks) so a fuzz run can be replayed from its seed. */
export const rng = seededRandom;

/** Up to `limit` names from the Umbrella list (or the fallback names). */
export function loadNames(limit = 100_000): string[] {
  if (!existsSync(UMBRELLA)) return FALLBACK;
  const names: string[] = [];
  for (const line of readFileSync(UMBRELLA, 'utf8').split('\n')) {
    const name = line.trim();
    if (name !== '' && !name.startsWith('#')) names.push(name);
    if (names.length >= limit) break;
  }
  return names.length > 0 ? names : FALLBACK;
}

// RFC 7871 ECS, RFC 7873 cookie, RFC 7830 padding, RFC 8914 EDE (the old SDE signal), a local-use SDE code.
const OPTION_SETS: unknown[][] = [
  [],
  [{ code: 'CLIENT_SUBNET', ip: '198.51.100.0', sourcePrefixLength: 24 }],
  [{ code: 10, data: Buffer.from('0123456789abcdef', 'hex') }],
  [{ code: 12, data: Buffer.alloc(37) }],
  [{ code: 15, data: Buffer.from([0, 0]) }],
  [
    { code: 65001, data: Buffer.alloc(0) },
    { code: 'CLIENT_SUBNET', ip: '2001:db8::', sourcePrefixLength: 56 },
  ],
];

function randomCase(name: string, r: () => number): string {
  let out = '';
  for (const ch of name) out += r() < 0.5 ? ch.toUpperCase() : ch;
  return out;
}

/** Encodes one query per name, cycling types, EDNS presence, DO and options. */
export function buildQueryCorpus(names: readonly string[], seed = 1): Buffer[] {
  const r = rng(seed);
  return names.map((name, i) => {
    const type = TYPES[i % TYPES.length];
    const withEdns = i % 5 !== 0;
    const additionals = withEdns
      ? [
          {
            type: 'OPT',
            name: '.',
            udpPayloadSize: i % 3 === 0 ? 4096 : 1232,
            flags: i % 2 === 0 ? dnsPacket.DNSSEC_OK : 0,
            options: OPTION_SETS[i % OPTION_SETS.length],
          },
        ]
      : [];
    const buf = encode({
      type: 'query',
      id: (r() * 65536) | 0,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type: type === 'HTTPS' ? 'A' : type, name: i % 4 === 0 ? randomCase(name, r) : name }],
      additionals,
    });
    // dns-packet has no HTTPS type: patch QTYPE 65 (RFC 9460) in place.
    if (type === 'HTTPS') buf.writeUInt16BE(65, 12 + Buffer.byteLength(name) + 2);
    return buf;
  });
}

/** Encodes upstream-like responses: CNAME chains with A/AAAA, negative answers with SOA, OPT with ECS. */
export function buildResponseCorpus(names: readonly string[], seed = 2): Buffer[] {
  const r = rng(seed);
  const soa = {
    mname: 'ns1.example',
    rname: 'hostmaster.example',
    serial: 1,
    refresh: 3600,
    retry: 600,
    expire: 86400,
    minimum: 300,
  };
  return names.map((name, i) => {
    const target = `cdn${i % 7}.edge.example.net`;
    const negative = i % 4 === 3;
    const answers = negative
      ? []
      : [
          { type: 'CNAME', name, ttl: 300, data: target },
          { type: 'A', name: target, ttl: 60 + (i % 100), data: `192.0.2.${i % 256}` },
          { type: 'AAAA', name: target, ttl: 60, data: '2001:db8::1' },
        ];
    return encode({
      type: 'response',
      id: (r() * 65536) | 0,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (negative ? 3 : 0),
      questions: [{ type: 'A', name }],
      answers,
      authorities: negative
        ? [{ type: 'SOA', name: name.split('.').slice(-2).join('.'), ttl: 900, data: soa }]
        : [],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: OPTION_SETS[i % 2] }],
    });
  });
}

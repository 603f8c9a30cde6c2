/** The `dns` section: resolver listeners, upstreams, cache, disclosure and abuse limits. */
import { arr, bool, bytes, duration, either, enumOf, int, obj, optional, str } from '../dsl.js';
import { cidr, listen, upstream } from '../net-fields.js';
import { formatDuration } from '../units.js';

const cache = obj(
  {
    maxBytes: bytes({
      default: '64MiB',
      max: '64GiB',
      doc: 'Memory the answer caches may use in all (DNS worker threads share it out); 0 disables them.',
    }),
    minTtl: duration({
      default: '0s',
      max: '1d',
      doc: 'Answers are cached at least this long, whatever their TTL.',
    }),
    maxTtl: duration({
      default: '1d',
      max: '7d',
      doc: 'Answers are cached at most this long (RFC 8767 §4 suggests 7 days at most).',
    }),
    negativeTtl: duration({
      default: '1h',
      max: '1d',
      doc: 'Cap on caching NXDOMAIN and NODATA (RFC 2308 §5).',
    }),
    serveStale: bool({ default: true, doc: 'Answer from expired entries when upstreams fail (RFC 8767).' }),
    staleTtl: duration({
      default: '1d',
      max: '7d',
      doc: 'How long past expiry a stale answer may still be served.',
    }),
    prefetch: bool({ default: true, doc: 'Refresh popular entries shortly before they expire.' }),
  },
  {
    doc: 'The answer cache.',
    check: (c) =>
      c.minTtl > c.maxTtl
        ? [
            {
              path: 'minTtl',
              message: `must not exceed maxTtl (${formatDuration(c.maxTtl)}), got ${formatDuration(c.minTtl)}`,
            },
          ]
        : [],
  },
);

const rateLimit = obj(
  {
    responsesPerSecond: int({
      default: 0,
      min: 0,
      max: 1_000_000,
      doc: 'Response rate limit per source prefix; 0 disables it.',
    }),
    slip: int({
      default: 2,
      min: 0,
      max: 10,
      doc: 'Every Nth limited response is a truncated answer instead of nothing; 0 never.',
    }),
    ipv4Prefix: int({
      default: 24,
      min: 8,
      max: 32,
      doc: 'IPv4 sources are counted together per prefix of this length.',
    }),
    ipv6Prefix: int({
      default: 56,
      min: 16,
      max: 128,
      doc: 'IPv6 sources are counted together per prefix of this length.',
    }),
  },
  { doc: 'Response rate limiting, against reflection attacks.' },
);

const identityEntry = obj({
  cidr: cidr({ doc: 'Source prefix the ISP hands to its subscribers.' }),
  isp: str({
    pattern: /^[a-z0-9][a-z0-9-]{0,62}$/,
    format: 'ISP id (lowercase letters, digits, hyphens)',
    doc: 'The ISP that owns the prefix.',
  }),
  groups: arr(str(), { default: [], doc: 'Subscriber groups the prefix belongs to (for opt-in filtering).' }),
});

/** The `dns` section of the schema. */
export const dnsSection = obj(
  {
    listen: arr(listen(), {
      default: ['127.0.0.1:5353'],
      doc: 'Plain DNS listeners, UDP and TCP (RFC 1035, RFC 7766).',
    }),
    dot: arr(listen(), { default: ['127.0.0.1:8853'], doc: 'DNS over TLS listeners (RFC 7858).' }),
    doh: arr(listen(), { default: ['127.0.0.1:8443'], doc: 'DNS over HTTPS listeners (RFC 8484).' }),
    tls: obj(
      {
        cert: optional(str({ doc: 'PEM certificate chain for DoT and DoH.' })),
        key: optional(str({ doc: 'PEM private key for DoT and DoH.' })),
      },
      {
        doc: 'Certificate for DoT and DoH; without one a self-signed certificate is made at start.',
        check: (t) =>
          (t.cert === undefined) !== (t.key === undefined)
            ? [{ path: t.cert ? 'key' : 'cert', message: 'cert and key must be set together' }]
            : [],
      },
    ),
    upstreams: arr(upstream(), { default: [], doc: 'Upstream resolvers; empty means the system resolvers.' }),
    upstreamTimeout: duration({
      default: '2s',
      min: '50ms',
      max: '30s',
      doc: 'How long one upstream may take before the next is tried.',
    }),
    notice: obj(
      {
        ipv4: optional(
          str({ doc: 'IPv4 address of the notice page, for orders whose DNS answer is "notice".' }),
        ),
        ipv6: optional(
          str({ doc: 'IPv6 address of the notice page, for orders whose DNS answer is "notice".' }),
        ),
      },
      { doc: 'The disclosed notice answer (flagged with EDE 4 Forged Answer; opt-in per order).' },
    ),
    sdeOptionCode: int({
      default: -1,
      min: -1,
      max: 65535,
      doc: 'EDNS option code of the structured-DNS-error signal (not yet assigned by IANA); -1 recognises only the older empty-EDE signal.',
    }),
    workers: either(int({ min: 1, max: 256 }), enumOf(['auto']), {
      default: 'auto',
      doc: 'UDP/TCP resolver threads sharing each port (SO_REUSEPORT); "auto": one per CPU (max 16) from 4 CPUs on; 1: the main thread.',
    }),
    udpBatch: bool({
      default: true,
      doc: "UDP in batches (recvmmsg/sendmmsg) when the native addon is built; false: Node's dgram.",
    }),
    cache,
    blockTtl: duration({
      default: '10s',
      max: '1d',
      doc: 'TTL of answers to blocked names, so lifted orders take effect quickly.',
    }),
    structuredErrors: enumOf(['auto', 'always', 'never'], {
      default: 'auto',
      doc: 'JSON in EDE EXTRA-TEXT (draft-ietf-dnsop-structured-dns-error): "auto" when the client signals support.',
    }),
    ednsBufferSize: int({
      default: 1232,
      min: 512,
      max: 4096,
      doc: 'Largest UDP response advertised and sent (DNS flag day 2020).',
    }),
    rateLimit,
    tcp: obj(
      {
        idleTimeout: duration({
          default: '10s',
          min: '1s',
          max: '5m',
          doc: 'Idle TCP and DoT connections close after this (RFC 7766 §6.2.3).',
        }),
        maxConnectionsPerSource: int({
          default: 64,
          min: 1,
          max: 65535,
          doc: 'Open TCP connections allowed per source address.',
        }),
      },
      { doc: 'Stream transports (TCP, DoT).' },
    ),
    identity: obj(
      {
        map: arr(identityEntry, {
          default: [],
          doc: 'Source prefixes mapped to ISPs and groups, before RADIUS knows better.',
        }),
      },
      { doc: 'Who is asking, when RADIUS accounting does not say.' },
    ),
  },
  { doc: 'The resolver.' },
);

/**
 * The configuration schema: the one description of every key, from which come the
 * `GatehouseConfig` type, the defaults, the validator, `docs/config.md` and the example file.
 *
 * Adding a section: describe it with the builders of `dsl.ts` (in `sections/` when it is big)
 * and list it in `schema` below. Types, defaults, validation and docs follow from that.
 */
import { posix } from 'node:path';
import { arr, bool, bytes, duration, enumOf, type Infer, type InferInput, int, obj, str } from './dsl.js';
import { type ListenAddress, listen, listenerClashes, storeUrl, url } from './net-fields.js';
import { accessSection } from './sections/access.js';
import { dnsSection } from './sections/dns.js';
import { dnstapSection, ipfixSection } from './sections/exporters.js';
import { proxySection } from './sections/proxy.js';

const http = obj(
  {
    listen: listen({
      default: '127.0.0.1:8080',
      doc: 'The control plane: REST API, health, metrics, notices and portal.',
    }),
    bodyLimit: bytes({ default: '1MiB', min: '1KiB', max: '64MiB', doc: 'Largest API request body.' }),
    uploadLimit: bytes({
      default: '64MiB',
      min: '1KiB',
      max: '1GiB',
      doc: 'Largest list upload (POST /api/lists/ID/versions).',
    }),
    sessionTtl: duration({ default: '12h', min: '1m', max: '30d', doc: 'Longest a console session lasts.' }),
    sessionIdle: duration({
      default: '30m',
      min: '1m',
      max: '1d',
      doc: 'A console session unused this long ends.',
    }),
    secureCookies: bool({
      default: false,
      doc: 'Mark session cookies Secure: set it when a TLS front end serves the control plane.',
    }),
  },
  { doc: 'The HTTP server of the control plane.' },
);

const policy = obj(
  {
    maxOrderDuration: duration({
      default: '365d',
      min: '1m',
      max: '3650d',
      doc: 'Longest an order may run: the cap on its expiry.',
    }),
    listErrorBudget: int({
      default: 100,
      min: 0,
      max: 1_000_000,
      doc: 'Bad lines an imported list may have before it is refused.',
    }),
    operatorUrl: url({
      derive: {
        text: 'http://127.0.0.1:<http.listen port>',
        from: (c: { http: { listen: ListenAddress } }) => `http://127.0.0.1:${c.http.listen.port}`,
      },
      doc: 'Public base URL for notices and appeals, linked from 451 pages and EDE texts.',
    }),
    recompileInterval: duration({
      default: '1h',
      min: '100ms',
      max: '1d',
      doc:
        'Longest time between full rebuilds of the policy. Changes are picked up within a second anyway ' +
        '(the store is polled), and orders start and expire at their second without a rebuild.',
    }),
  },
  { doc: 'Orders and the compiled policy.' },
);

const records = obj(
  {
    store: str({
      default: 'local',
      pattern: /^(local|postgres(ql)?:\/\/[^/\s]+\/?\S*)$/,
      format: '"local" or a postgres:// URL',
      doc:
        'Where records go: "local" (SQLite records.db in dataDir) or a "postgres://" URL (may equal ' +
        '`store`): nodes on one database share records, warrant queries, retention and reports.',
    }),
    batchSize: int({ default: 1000, min: 1, max: 100_000, doc: 'Records written to the store per batch.' }),
    flushInterval: duration({
      default: '1s',
      min: '10ms',
      max: '1m',
      doc: 'A partial batch is written after this long.',
    }),
    maxQueue: int({
      default: 100_000,
      min: 1,
      max: 10_000_000,
      doc: 'Records held in memory before they spill to the spool.',
    }),
    retention: obj(
      {
        dns: duration({ default: '7d', min: '1h', max: '365d', doc: 'How long DNS query records are kept.' }),
        flow: duration({
          default: '7d',
          min: '1h',
          max: '365d',
          doc: 'How long proxied flow records are kept.',
        }),
        lease: duration({
          default: '7d',
          min: '1h',
          max: '365d',
          doc: 'How long closed leases (who held which address when) are kept.',
        }),
        interval: duration({
          default: '1h',
          min: '1s',
          max: '1d',
          doc: 'Time between runs of the retention job (it also runs at start).',
        }),
        batchSize: int({
          default: 5000,
          min: 100,
          max: 1_000_000,
          doc: 'Rows per delete or roll-up transaction: small, so the records sink never waits long.',
        }),
      },
      {
        doc:
          'Record retention (docs/records.md): expired records are rolled up into daily aggregates, then ' +
          'deleted; an epoch’s pseudonym key is destroyed once its DNS and flow records have all expired.',
      },
    ),
    ipfix: ipfixSection,
    dnstap: dnstapSection,
  },
  {
    doc: 'The record batcher.',
    check: (r) =>
      r.maxQueue < r.batchSize
        ? [{ path: 'maxQueue', message: `must be at least batchSize (${r.batchSize}), got ${r.maxQueue}` }]
        : [],
  },
);

const log = obj(
  {
    level: enumOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      default: 'info',
      doc: 'Least severe level written.',
    }),
    format: enumOf(['json', 'pretty'], {
      default: 'json',
      doc: '"json" lines for collectors, "pretty" for a terminal.',
    }),
  },
  { doc: 'Logging.' },
);

const radiusClient = obj({
  address: str({ doc: 'Source address of the ISP’s NAS (its accounting packets come from here).' }),
  isp: str({
    pattern: /^[a-z0-9][a-z0-9-]{0,62}$/,
    format: 'ISP id (lowercase letters, digits, hyphens)',
    doc: 'The ISP the NAS belongs to.',
  }),
  secret: str({ doc: 'The RADIUS shared secret of that NAS (RFC 2866 §3).' }),
});

const radiusDisconnect = obj({
  isp: str({
    pattern: /^[a-z0-9][a-z0-9-]{0,62}$/,
    format: 'ISP id (lowercase letters, digits, hyphens)',
    doc: 'The ISP whose subscribers this NAS disconnects.',
  }),
  nas: str({
    pattern: /^(?:\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):\d{1,5}$/,
    format: 'HOST:PORT or [IPV6]:PORT',
    doc: 'The NAS’s Dynamic Authorization server (RFC 5176; IANA port 3799).',
  }),
  secret: str({ doc: 'The shared secret for Disconnect-Requests to that NAS (RFC 5176 §2.3).' }),
});

const radius = obj(
  {
    listen: arr(listen(), {
      default: [],
      doc: 'RADIUS accounting listeners (RFC 2866); empty turns accounting off.',
    }),
    clients: arr(radiusClient, {
      default: [],
      doc: 'The NASes allowed to send accounting, with their ISP and secret.',
    }),
    disconnect: arr(radiusDisconnect, {
      default: [],
      doc: 'Where each ISP receives Disconnect-Requests for active disconnect orders (one entry per ISP).',
    }),
    disconnectTimeout: duration({
      default: '3s',
      min: '100ms',
      max: '1m',
      doc: 'How long to wait for a Disconnect-ACK or -NAK before sending the same request again.',
    }),
    disconnectRetries: int({
      default: 2,
      min: 0,
      max: 10,
      doc: 'Retransmissions of an unanswered Disconnect-Request (RFC 5080 §2.2.1: the same packet).',
    }),
    staleLease: duration({
      default: '1d',
      min: '1m',
      max: '30d',
      doc: 'A lease with no Interim-Update or Stop for this long is closed (a missed Stop).',
    }),
  },
  { doc: 'Subscriber identity from the ISPs’ RADIUS accounting.' },
);

/** The whole schema. Each key of this mapping is a section of the file. */
export const schema = obj(
  {
    dataDir: str({
      default: './data',
      doc: 'Directory for the embedded store, the record spool and keys (relative to the working directory).',
    }),
    store: storeUrl({
      derive: {
        text: 'sqlite:<dataDir>/gatehouse.db',
        from: (c: { dataDir: string }) => `sqlite:${posix.join(c.dataDir, 'gatehouse.db')}`,
      },
      doc: 'The store: "sqlite:PATH" (embedded) or a "postgres://" URL (several nodes).',
    }),
    http,
    policy,
    dns: dnsSection,
    proxy: proxySection,
    radius,
    identity: obj(
      {
        keyFile: str({
          derive: {
            text: '<dataDir>/keys/identity.key',
            from: (c: { dataDir: string }) => posix.join(c.dataDir, 'keys', 'identity.key'),
          },
          doc:
            'The 32-byte key (hex or base64, mode 0600) that seals subscribers’ identity fields; ' +
            'GATEHOUSE_IDENTITY_KEY overrides it. Created on first use only for a store that has sealed nothing.',
        }),
      },
      { doc: 'Subscriber identity records (docs/subscribers.md).' },
    ),
    records,
    access: accessSection,
    log,
  },
  { check: listenerClashes },
);

/** The loaded configuration: normalised (durations in ms, sizes in bytes, addresses parsed) and frozen. */
export type GatehouseConfig = Infer<typeof schema>;
/** What a file or command-line overrides may hold: every key optional, text or normalised values. */
export type ConfigInput = InferInput<typeof schema>;

/** The `http` section. */
export type HttpConfig = GatehouseConfig['http'];
/** The `policy` section. */
export type PolicyConfig = GatehouseConfig['policy'];
/** The `dns` section. */
export type DnsConfig = GatehouseConfig['dns'];
/** The `proxy` section. */
export type ProxyConfig = GatehouseConfig['proxy'];
/** The `records` section. */
export type RecordsConfig = GatehouseConfig['records'];
/** The `access` section (warrants). */
export type AccessConfig = GatehouseConfig['access'];
/** The `log` section. */
export type LogConfig = GatehouseConfig['log'];

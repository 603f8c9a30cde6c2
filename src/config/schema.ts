/**
 * The configuration schema: the one description of every key, from which come the
 * `GatehouseConfig` type, the defaults, the validator, `docs/config.md` and the example file.
 *
 * Adding a section: describe it with the builders of `dsl.ts` (in `sections/` when it is big)
 * and list it in `schema` below. Types, defaults, validation and docs follow from that.
 */
import { posix } from 'node:path';
import { arr, duration, enumOf, type Infer, type InferInput, int, obj, str } from './dsl.js';
import { type ListenAddress, listen, listenerClashes, storeUrl, url } from './net-fields.js';
import { dnsSection } from './sections/dns.js';
import { proxySection } from './sections/proxy.js';

const http = obj(
  {
    listen: listen({
      default: '127.0.0.1:8080',
      doc: 'The control plane: REST API, health, metrics, notices and portal.',
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
    records,
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
/** The `log` section. */
export type LogConfig = GatehouseConfig['log'];

/** The `proxy` section: explicit and transparent HTTP/TLS listeners and their limits. */
import { arr, bytes, duration, int, obj } from '../dsl.js';
import { cidr, listen } from '../net-fields.js';

/** The `proxy` section of the schema. */
export const proxySection = obj(
  {
    listen: arr(listen(), {
      default: ['127.0.0.1:3128'],
      doc: 'Explicit proxy listeners (HTTP and CONNECT).',
    }),
    transparentHttp: arr(listen(), {
      default: [],
      doc: 'Transparent listeners for redirected port-80 traffic.',
    }),
    transparentTls: arr(listen(), {
      default: [],
      doc: 'Transparent listeners for redirected port-443 traffic, judged by SNI.',
    }),
    headerTimeout: duration({
      default: '10s',
      min: '100ms',
      max: '5m',
      doc: 'Time allowed for request headers or a TLS ClientHello.',
    }),
    maxHeaderBytes: bytes({
      default: '16KiB',
      min: '1KiB',
      max: '1MiB',
      doc: 'Largest request head or ClientHello read.',
    }),
    maxConnectionsPerSource: int({
      default: 256,
      min: 1,
      max: 65535,
      doc: 'Open connections allowed per source address.',
    }),
    idleTimeout: duration({
      default: '5m',
      min: '1s',
      max: '1h',
      doc: 'A connection idle both ways for this long is closed; also the wait for an origin response head (504).',
    }),
    connectTimeout: duration({
      default: '10s',
      min: '100ms',
      max: '2m',
      doc: 'Time allowed to connect to an origin (504 after it).',
    }),
    domesticPrefixes: arr(cidr(), {
      default: [],
      doc: 'Destinations inside the country. An address outside them is `class:international` for orders (docs/policy.md), inside them `class:domestic`; empty: no address has a class and class targets are refused.',
    }),
  },
  { doc: 'The HTTP and TLS proxy.' },
);

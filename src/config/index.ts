/** The configuration module's public surface: load, types and the value types of its fields. */

export type { UpstreamSpec } from '../dns/upstreams/spec.js';
export {
  type ConfigOverrides,
  defaultConfig,
  type LoadOptions,
  loadConfig,
  parseConfig,
  parseOverrides,
} from './load.js';
export { formatListen, type ListenAddress, redactUrl, type StoreLocation } from './net-fields.js';
export type {
  ConfigInput,
  DnsConfig,
  GatehouseConfig,
  HttpConfig,
  LogConfig,
  PolicyConfig,
  ProxyConfig,
  RecordsConfig,
} from './schema.js';
export { formatBytes, formatDuration, parseBytes, parseDuration } from './units.js';

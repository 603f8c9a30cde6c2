/**
 * Builds the exporters the configuration asks for (`records.ipfix`, `records.dnstap`). The
 * settings are described structurally (records imports only core), matching the config section.
 */
import { hostname } from 'node:os';
import { createDnstapExporter } from './dnstap.js';
import type { RecordExporter } from './exporter.js';
import { createIpfixExporter } from './ipfix.js';

/** What `records.ipfix` and `records.dnstap` hold once loaded (see config/sections/exporters.ts). */
export interface ExportersSettings {
  readonly ipfix: {
    readonly collector?: string | undefined;
    readonly transport: 'udp' | 'tcp';
    readonly includeAddress: boolean;
    readonly templateRefresh: number;
    readonly observationDomain: number;
  };
  readonly dnstap: {
    readonly socket?: string | undefined;
    readonly tcp?: string | undefined;
    readonly identity?: string | undefined;
    readonly includeAddress: boolean;
  };
}

/** How exporters report: bounded labels only (`ipfix`, `dnstap`). */
export interface ExportersHooks {
  readonly version: string;
  readonly onDrop: (exporter: string, dropped: number) => void;
  /** A collector connection came up or went down (logged, rate-limited by the backoff). */
  readonly onState: (exporter: string, up: boolean, error?: Error) => void;
}

/** Splits a normalised `ADDR:PORT` (`[::1]:4739` for IPv6). */
export function splitHostPort(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(text.slice(at + 1)) };
}

/** The configured exporters (none when no collector is set). They connect in the background. */
export function createExporters(s: ExportersSettings, hooks: ExportersHooks): RecordExporter[] {
  const out: RecordExporter[] = [];
  if (s.ipfix.collector !== undefined) {
    out.push(
      createIpfixExporter({
        collector: splitHostPort(s.ipfix.collector),
        transport: s.ipfix.transport,
        includeAddress: s.ipfix.includeAddress,
        templateRefreshMs: s.ipfix.templateRefresh,
        observationDomain: s.ipfix.observationDomain,
        onDrop: (n) => hooks.onDrop('ipfix', n),
        onError: (e) => hooks.onState('ipfix', false, e),
      }),
    );
  }
  const target =
    s.dnstap.socket !== undefined
      ? { path: s.dnstap.socket }
      : s.dnstap.tcp !== undefined
        ? splitHostPort(s.dnstap.tcp)
        : null;
  if (target) {
    out.push(
      createDnstapExporter({
        target,
        identity: s.dnstap.identity ?? hostname(),
        version: hooks.version,
        includeAddress: s.dnstap.includeAddress,
        onDrop: (n) => hooks.onDrop('dnstap', n),
        onState: (up, e) => hooks.onState('dnstap', up, e),
      }),
    );
  }
  return out;
}

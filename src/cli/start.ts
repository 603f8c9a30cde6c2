/**
 * `gatehouse start`: runs the gateway in one process on the configuration file, the embedded
 * defaults, and the flags (flags win). Stops cleanly on SIGINT and SIGTERM.
 */
import type { Command } from 'commander';
import type { ConfigOverrides } from '../config/load.js';
import { parseOverrides } from '../config/load.js';
import { startGateway } from '../main.js';
import { createLogger } from '../telemetry/logger.js';
import { type CommonOptions, type Io, resolveConfig } from './context.js';

interface StartFlags extends CommonOptions {
  http?: string;
  dns?: string[];
  dot?: string[];
  doh?: string[];
  upstream?: string[];
  proxy?: string[];
  transparentHttp?: string[];
  transparentTls?: string[];
  radius?: string[];
  store?: string;
  set?: string[];
}

/** The configuration overrides the `start` flags stand for. */
export function startOverrides(f: StartFlags): ConfigOverrides {
  const o: Record<string, unknown> = f.set ? { ...(parseOverrides(f.set) as Record<string, unknown>) } : {};
  const dns: Record<string, unknown> = { ...((o.dns as Record<string, unknown>) ?? {}) };
  if (f.dns) dns.listen = f.dns;
  if (f.dot) dns.dot = f.dot;
  if (f.doh) dns.doh = f.doh;
  if (f.upstream) dns.upstreams = f.upstream;
  if (Object.keys(dns).length > 0) o.dns = dns;
  const proxy: Record<string, unknown> = { ...((o.proxy as Record<string, unknown>) ?? {}) };
  if (f.proxy) proxy.listen = f.proxy;
  if (f.transparentHttp) proxy.transparentHttp = f.transparentHttp;
  if (f.transparentTls) proxy.transparentTls = f.transparentTls;
  if (Object.keys(proxy).length > 0) o.proxy = proxy;
  if (f.radius) o.radius = { ...((o.radius as Record<string, unknown>) ?? {}), listen: f.radius };
  if (f.store) o.store = f.store;
  if (f.http) o.http = { ...((o.http as Record<string, unknown>) ?? {}), listen: f.http };
  return o as ConfigOverrides;
}

/** Registers `start`. `done` resolves with the exit code when the gateway stops. */
export function registerStart(program: Command, io: Io, done: (code: Promise<number>) => void): void {
  program
    .command('start')
    .description('run the gateway (all services in one process)')
    .option('--http <addr:port>', 'health, metrics, API, console and portal')
    .option('--dns <addr:port...>', 'plain DNS listeners (UDP and TCP)')
    .option('--dot <addr:port...>', 'DNS over TLS listeners')
    .option('--doh <addr:port...>', 'DNS over HTTPS listeners')
    .option('--upstream <addr:port...>', 'upstream resolvers (repeatable; default: the system’s)')
    .option('--proxy <addr:port...>', 'explicit HTTP/CONNECT proxy listeners')
    .option('--transparent-http <addr:port...>', 'transparent HTTP listeners (redirected port 80)')
    .option(
      '--transparent-tls <addr:port...>',
      'transparent TLS listeners, judged by SNI (redirected port 443)',
    )
    .option('--radius <addr:port...>', 'RADIUS accounting listeners (clients and secrets come from the file)')
    .option('--store <url>', 'sqlite:PATH or postgres://… (default sqlite:<data>/gatehouse.db)')
    .option('--set <key=value...>', 'any configuration key, e.g. --set dns.workers=2')
    .action((_args, cmd: Command) => {
      const flags = cmd.optsWithGlobals<StartFlags>();
      const config = resolveConfig(flags, io, startOverrides(flags));
      const logger = createLogger(config.log);
      done(
        startGateway(config, logger).then(
          (gateway) =>
            new Promise<number>((resolve) => {
              const stop = (signal: string) => {
                logger.info({ signal }, 'stopping');
                gateway.close().then(
                  () => resolve(0),
                  () => resolve(1),
                );
              };
              process.once('SIGINT', () => stop('SIGINT'));
              process.once('SIGTERM', () => stop('SIGTERM'));
            }),
        ),
      );
    });
}

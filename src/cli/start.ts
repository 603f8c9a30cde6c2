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

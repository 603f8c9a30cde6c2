/**
 * The `gatehouse` command line. Each command is a thin layer over the library: parse flags,
 * call, print (`--json` for scripts). A bad argument gets one line on stderr and exit code 2;
 * a refused act (GatehouseError) one line with its code and exit code 1.
 */
import { Command, CommanderError } from 'commander';
import { GatehouseError } from '../core/errors.js';
import { registerAudit } from './audit.js';
import { registerConnections } from './connections.js';
import { type CommonOptions, type Context, createContext, type Io } from './context.js';
import { registerDemo } from './demo.js';
import { registerOrders } from './orders.js';
import { registerPolicy } from './policy.js';
import { registerRecords } from './records.js';
import { registerStart } from './start.js';
import { registerSubscribers } from './subscribers.js';
import { registerWarrants } from './warrants.js';

/** Formats an error for the terminal: one line, its stable code, and any details below it. */
export function formatError(err: unknown): string {
  if (err instanceof GatehouseError) {
    return [`gatehouse: ${err.message} [${err.code}]`, ...err.details.map((d) => `  ${d}`)].join('\n');
  }
  return `gatehouse: ${err instanceof Error ? err.message : String(err)}`;
}

/** Runs the command line; resolves with the process exit code. */
export async function main(
  argv: readonly string[],
  io: Io = { out: process.stdout, err: process.stderr, env: process.env },
): Promise<number> {
  let pending: Promise<number> | null = null;
  const program = new Command('gatehouse')
    .description('Gatehouse: an accountable internet gateway')
    .option('--config <file>', 'configuration file (YAML); env GATEHOUSE_CONFIG')
    .option('--data <dir>', 'data directory (default ./data); env GATEHOUSE_DATA')
    .option('--as <name>', 'act as this user; env GATEHOUSE_USER')
    .option('--json', 'machine-readable output')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) })
    .showSuggestionAfterError();
  const wrap =
    (fn: (ctx: Context, ...args: string[]) => Promise<void>) =>
    (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      const positional = args.slice(0, -2).filter((a): a is string => typeof a === 'string');
      pending = (async () => {
        const ctx = createContext(cmd.optsWithGlobals<CommonOptions>(), io);
        try {
          await fn(ctx, ...positional);
          return 0;
        } finally {
          await ctx.close();
        }
      })();
      return pending.then(() => undefined);
    };
  registerStart(program, io, (code) => {
    pending = code;
  });
  registerOrders(program, wrap);
  registerPolicy(program, wrap);
  registerDemo(program, wrap);
  registerConnections(program, wrap);
  registerAudit(program, wrap);
  registerWarrants(program, wrap);
  registerRecords(program, wrap);
  registerSubscribers(program, wrap);
  try {
    await program.parseAsync(['node', 'gatehouse', ...argv]);
    return pending ? await pending : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0
        ? 0
        : 2;
    }
    io.err.write(`${formatError(err)}\n`);
    return err instanceof GatehouseError && err.code === 'GH_ERR_CLI_USAGE' ? 2 : 1;
  }
}

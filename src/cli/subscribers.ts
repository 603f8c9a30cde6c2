/**
 * `gatehouse subscribers …`: import identity records (CSV or JSON, all or nothing), list and show
 * them, and list the Disconnect-Requests sent for disconnect orders. The command line acts with the
 * store's full scope (it runs where the store's files or credentials are); ISP-bound users go through
 * the control plane, which passes their ISP as the scope.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { GatehouseError } from '../core/errors.js';
import type { ImportFormat } from '../identity/subscribers/import.js';
import type { SubscriberRecord } from '../identity/subscribers/model.js';
import { createSubscriberService, type SubscriberService } from '../identity/subscribers/service.js';
import type { Context } from './context.js';
import { parseId } from './context.js';

type Run = (ctx: Context, ...args: string[]) => Promise<void>;
type Wrap = (fn: Run) => (...args: unknown[]) => Promise<void>;

const usage = (message: string) => new GatehouseError('GH_ERR_CLI_USAGE', message);

async function service(ctx: Context): Promise<SubscriberService> {
  const store = await ctx.store();
  return createSubscriberService({
    repository: store.subscribers,
    keySource: { keyFile: ctx.config.identity.keyFile, env: ctx.io.env },
  });
}

function formatOf(file: string, given: string | undefined): ImportFormat {
  const format = given ?? (extname(file).toLowerCase() === '.json' ? 'json' : 'csv');
  if (format !== 'csv' && format !== 'json') throw usage(`--format: expected csv or json, got "${format}"`);
  return format;
}

function readBody(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw usage(`reading ${file}: ${(err as Error).message}`);
  }
}

/** The flags of one subcommand (the wrapper passes only positional arguments). */
const flagsOf = <T extends object>(cmd: Command, name: string): T =>
  cmd.commands.find((c) => c.name() === name)!.opts<T>();

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function showText(s: SubscriberRecord): string {
  return [
    `subscriber ${s.isp}/${s.id}`,
    `  name          ${s.name}`,
    `  document      ${s.documentType} ${s.documentNumber}`,
    `  address       ${s.address.replace(/\r?\n/g, ', ')}`,
    `  phone         ${s.phone}`,
    `  verified      ${day(s.verifiedAt)} (${s.verificationMethod})`,
    `  updated       ${new Date(s.updatedAt).toISOString()} by ${s.updatedBy}`,
  ].join('\n');
}

/** Registers `subscribers` and its subcommands. */
export function registerSubscribers(program: Command, wrap: Wrap): void {
  const cmd = program
    .command('subscribers')
    .description('subscriber identity records (sealed at rest) and disconnections');
  cmd
    .command('import <file>')
    .description(
      'import (create or replace) an ISP’s subscribers from CSV or JSON; any bad row refuses the whole file',
    )
    .requiredOption('--isp <isp>', 'the ISP the subscribers belong to')
    .option('--format <format>', 'csv | json (default: by file extension, else csv)')
    .action(
      wrap(async (ctx, file) => {
        const o = flagsOf<{ isp: string; format?: string }>(cmd, 'import');
        const svc = await service(ctx);
        const result = await svc.import(
          null,
          { isp: o.isp, format: formatOf(file, o.format), body: readBody(file) },
          ctx.user(),
        );
        if (ctx.json) return ctx.printJson(result);
        ctx.print(
          `imported ${result.rows} subscriber(s) for ${result.isp}: ${result.created} new, ${result.updated} updated`,
        );
      }),
    );
  cmd
    .command('list')
    .description('list subscribers (identity fields opened with the identity key)')
    .option('--isp <isp>', 'one ISP only')
    .option('--q <prefix>', 'subscriber ids starting with this')
    .option('--limit <n>', 'at most this many (1 to 1000)', '100')
    .action(
      wrap(async (ctx) => {
        const o = flagsOf<{ isp?: string; q?: string; limit: string }>(cmd, 'list');
        const limit = parseId(o.limit, '--limit');
        const rows = await (await service(ctx)).list(null, {
          ...(o.isp ? { isp: o.isp } : {}),
          ...(o.q ? { q: o.q } : {}),
          limit,
        });
        if (ctx.json) return ctx.printJson({ subscribers: rows });
        if (rows.length === 0) return ctx.print('no subscribers');
        for (const s of rows)
          ctx.print(
            `${`${s.isp}/${s.id}`.padEnd(32)} ${day(s.verifiedAt)} ${s.verificationMethod.padEnd(10)} ${s.name}`,
          );
      }),
    );
  cmd
    .command('show <isp/id>')
    .description('show one subscriber’s identity record')
    .action(
      wrap(async (ctx, ref) => {
        const slash = ref.indexOf('/');
        if (slash < 1 || slash === ref.length - 1) throw usage(`expected ISP/ID, got "${ref}"`);
        const s = await (await service(ctx)).show(null, ref.slice(0, slash), ref.slice(slash + 1));
        if (ctx.json) return ctx.printJson(s);
        ctx.print(showText(s));
      }),
    );
  cmd
    .command('disconnects')
    .description('Disconnect-Requests sent for disconnect orders, newest first, with the NAS’s answer')
    .option('--order <id>', 'of one order only')
    .action(
      wrap(async (ctx) => {
        const o = flagsOf<{ order?: string }>(cmd, 'disconnects');
        const filter = o.order ? { orderId: parseId(o.order) } : {};
        const rows = await (await service(ctx)).disconnects(null, filter);
        if (ctx.json) return ctx.printJson({ disconnects: rows });
        if (rows.length === 0) return ctx.print('no disconnect requests');
        for (const d of rows) {
          const cause = d.errorCause === null ? '' : ` Error-Cause ${d.errorCause}`;
          ctx.print(
            `${String(d.id).padStart(5)}  order ${d.orderId}  ${d.isp}/${d.subscriber}  session ${d.sessionId} on ${d.nas} → ${d.nasAddress}  ${d.status}${cause} (${d.attempts} sent)`,
          );
        }
      }),
    );
}

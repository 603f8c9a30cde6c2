/**
 * `gatehouse warrants …`: lawful access from the command line — request, approve or refuse (a judge,
 * not the requester), execute, review urgent executions, export results, and track notifications.
 *
 * The acting user is `--as NAME` or GATEHOUSE_USER. Roles: a user with a control-plane account acts
 * with that account's roles; a user without one acts with every role, since running this command
 * already needs direct access to the store (the REST API is where roles are the only gate).
 * The two-person rule holds either way: it is enforced by the store.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ResultsFormat } from '../access/export.js';
import { type Actor, createWarrantService, type WarrantService } from '../access/service.js';
import type { Warrant, WarrantStatus } from '../access/types.js';
import { describeTarget } from '../access/validate.js';
import { GatehouseError } from '../core/errors.js';
import { postgresRecordsUrl } from '../records/postgres-records.js';
import type { Role } from '../store/types.js';
import type { Context } from './context.js';
import { parseId, parseTime } from './context.js';
import { details, iso, summaryLine } from './warrant-text.js';

type Run = (ctx: Context, ...args: string[]) => Promise<void>;
type Wrap = (fn: Run) => (...args: unknown[]) => Promise<void>;

const ALL_ROLES: readonly Role[] = ['admin', 'operator', 'approver', 'auditor'];

async function open(ctx: Context): Promise<{ service: WarrantService; actor: () => Promise<Actor> }> {
  const store = await ctx.store();
  const recordsUrl = postgresRecordsUrl(ctx.config.records);
  const service = createWarrantService({
    store,
    access: ctx.config.access,
    dataDir: ctx.config.dataDir,
    ...(recordsUrl === undefined ? {} : { recordsUrl }),
  });
  const actor = async (): Promise<Actor> => {
    const name = ctx.user();
    const account = await store.accounts.get(name);
    return { name, roles: account ? account.roles : ALL_ROLES };
  };
  return { service, actor };
}

/** A time flag: ISO 8601, +N(s|m|h|d) or -N(s|m|h|d) relative to now. */
function timeFlag(text: string | undefined, now: number, what: string): string | number | undefined {
  if (text === undefined) return undefined;
  const back = /^-(\d+)(s|m|h|d)$/.exec(text);
  if (back) return 2 * now - parseTime(`+${back[1]}${back[2]}`, now, what);
  return parseTime(text, now, what);
}

type RequestFlags = {
  authority?: string;
  reference?: string;
  crime?: string;
  subscriber?: string;
  pseudonym?: string;
  destination?: string;
  address?: string;
  from?: string;
  to?: string;
  justification?: string;
  urgent?: boolean;
};

function targetOf(f: RequestFlags): unknown {
  const given = (['subscriber', 'pseudonym', 'destination', 'address'] as const).filter(
    (k) => f[k] !== undefined,
  );
  if (given.length > 1) {
    throw new GatehouseError('GH_ERR_CLI_USAGE', `a warrant has one target; got --${given.join(' and --')}`);
  }
  if (f.subscriber !== undefined) {
    const [isp, ...id] = f.subscriber.split('/');
    return { kind: 'subscriber', isp, subscriber: id.join('/') };
  }
  if (f.pseudonym !== undefined) return { kind: 'pseudonym', pseudonym: f.pseudonym };
  if (f.destination !== undefined) return { kind: 'destination', name: f.destination };
  if (f.address !== undefined) return { kind: 'address', address: f.address };
  return undefined;
}

function print(ctx: Context, w: Warrant, line: string): void {
  if (ctx.json) ctx.printJson(w);
  else ctx.print(line);
}

/** Registers `warrants` and its subcommands. */
export function registerWarrants(program: Command, wrap: Wrap): void {
  const warrants = program
    .command('warrants')
    .description('lawful access: warrants for records (see docs/warrants.md)');
  const opts = <T extends Record<string, unknown>>(name: string) =>
    warrants.commands.find((c) => c.name() === name)!.opts<T>();
  warrants
    .command('request')
    .description('request records of one target in one time window (a judge approves it)')
    .option('--authority <name>', 'the requesting authority')
    .option('--reference <ref>', 'its authorisation reference')
    .option('--crime <category>', 'a category of access.crimeCategories')
    .option('--subscriber <isp/id>', 'target: a subscriber of an ISP')
    .option('--pseudonym <p>', 'target: a pseudonym as records carry it')
    .option('--destination <name>', 'target: a destination name (and below it)')
    .option('--address <ip>', 'target: a client address during the window')
    .option('--from <time>', 'window start: ISO 8601 or -N(s|m|h|d)')
    .option('--to <time>', 'window end (exclusive): ISO 8601 or -N(s|m|h|d)')
    .option('--justification <text>')
    .option('--urgent', 'may be executed before approval; must then be reviewed in time')
    .action(
      wrap(async (ctx) => {
        const f = opts<RequestFlags>('request');
        const now = Date.now();
        const { service, actor } = await open(ctx);
        const raw = {
          authority: f.authority,
          reference: f.reference,
          crimeCategory: f.crime,
          target: targetOf(f),
          from: timeFlag(f.from, now, '--from'),
          to: timeFlag(f.to, now, '--to'),
          justification: f.justification,
          urgency: f.urgent ? 'urgent' : 'normal',
        };
        const w = await service.request(await actor(), raw);
        print(
          ctx,
          w,
          `warrant ${w.id} requested by ${w.requestedBy}; a judge approves it with: gatehouse warrants approve ${w.id} --as NAME`,
        );
      }),
    );
  warrants
    .command('list')
    .description('list warrants, newest first')
    .option('--status <status>', 'requested | approved | refused | executed')
    .action(
      wrap(async (ctx) => {
        const { status } = opts<{ status?: WarrantStatus }>('list');
        const { service, actor } = await open(ctx);
        const list = await service.list(await actor(), status ? { status } : {});
        if (ctx.json) return ctx.printJson(list);
        if (list.length === 0) return ctx.print('no warrants');
        for (const w of list) ctx.print(summaryLine(w));
      }),
    );
  warrants
    .command('show <id>')
    .description('show a warrant, its decision, execution and notification')
    .action(
      wrap(async (ctx, id) => {
        const { service, actor } = await open(ctx);
        const w = await service.show(await actor(), parseId(id, 'warrant id'));
        print(ctx, w, details(w));
      }),
    );
  warrants
    .command('approve <id>')
    .description('approve as a judge (not the requester)')
    .option('--reason <text>')
    .action(
      wrap(async (ctx, id) => {
        const { service, actor } = await open(ctx);
        const w = await service.approve(
          await actor(),
          parseId(id, 'warrant id'),
          opts<{ reason?: string }>('approve').reason ?? null,
        );
        print(ctx, w, `warrant ${w.id} approved by ${w.decidedBy}`);
      }),
    );
  warrants
    .command('refuse <id>')
    .description('refuse as a judge, giving the reason')
    .option('--reason <text>', 'why (required)')
    .action(
      wrap(async (ctx, id) => {
        const { service, actor } = await open(ctx);
        const w = await service.refuse(
          await actor(),
          parseId(id, 'warrant id'),
          opts<{ reason?: string }>('refuse').reason ?? '',
        );
        print(ctx, w, `warrant ${w.id} refused by ${w.decidedBy}`);
      }),
    );
  warrants
    .command('execute <id>')
    .description('run the query of an approved (or urgent) warrant, strictly within its target and window')
    .action(
      wrap(async (ctx, id) => {
        const { service, actor } = await open(ctx);
        const w = await service.execute(await actor(), parseId(id, 'warrant id'));
        const review =
          w.reviewDue === null ? '' : `; review due by ${iso(w.reviewDue)} or the results are sealed`;
        print(
          ctx,
          w,
          `warrant ${w.id} executed: ${w.resultCount} records, sha256 ${w.resultSha256}${review}`,
        );
      }),
    );
  warrants
    .command('review <id>')
    .description('review an urgent warrant executed before approval')
    .requiredOption('--outcome <outcome>', 'approved | refused')
    .option('--reason <text>', 'why (required to refuse)')
    .action(
      wrap(async (ctx, id) => {
        const f = opts<{ outcome: string; reason?: string }>('review');
        if (f.outcome !== 'approved' && f.outcome !== 'refused') {
          throw new GatehouseError(
            'GH_ERR_CLI_USAGE',
            `--outcome: expected approved or refused, got "${f.outcome}"`,
          );
        }
        const { service, actor } = await open(ctx);
        const w = await service.review(await actor(), parseId(id, 'warrant id'), f.outcome, f.reason ?? null);
        print(
          ctx,
          w,
          `warrant ${w.id} reviewed: ${w.decision}${w.sealedAt !== null ? ', results sealed' : ''}`,
        );
      }),
    );
  warrants
    .command('results <id>')
    .description('export the records found (every read is audited)')
    .option('--format <format>', 'json | csv', 'json')
    .option('--out <file>', 'write to a file instead of standard output')
    .action(
      wrap(async (ctx, id) => {
        const f = opts<{ format: ResultsFormat; out?: string }>('results');
        const { service, actor } = await open(ctx);
        const out = await service.results(await actor(), parseId(id, 'warrant id'), f.format);
        if (f.out === undefined) return void ctx.io.out.write(out.body);
        writeFileSync(f.out, out.body, { mode: 0o600 });
        ctx.print(`${out.count} records written to ${f.out} (sha256 of records ${out.sha256})`);
      }),
    );
  warrants
    .command('notifications')
    .description('executed warrants whose person concerned is not yet notified')
    .option('--overdue', 'only those past their notification date')
    .action(
      wrap(async (ctx) => {
        const { service, actor } = await open(ctx);
        const list = await service.notifications(await actor(), {
          overdue: opts<{ overdue?: boolean }>('notifications').overdue === true,
        });
        if (ctx.json) return ctx.printJson(list);
        if (list.length === 0) return ctx.print('no notifications pending');
        for (const w of list)
          ctx.print(`${String(w.id).padStart(5)}  due ${iso(w.notifyDue)}  ${describeTarget(w.target)}`);
      }),
    );
  warrants
    .command('notified <id>')
    .description('record that the person concerned was notified')
    .option('--note <text>', 'how (letter, reference)')
    .action(
      wrap(async (ctx, id) => {
        const { service, actor } = await open(ctx);
        const w = await service.notified(
          await actor(),
          parseId(id, 'warrant id'),
          opts<{ note?: string }>('notified').note ?? null,
        );
        print(ctx, w, `warrant ${w.id}: notification recorded by ${w.notifiedBy}`);
      }),
    );
  warrants
    .command('stats')
    .description('warrants per month, for the transparency report')
    .action(
      wrap(async (ctx) => {
        const { service } = await open(ctx);
        const months = await service.stats();
        if (ctx.json) return ctx.printJson(months);
        ctx.print('month    requested approved refused executed notified');
        for (const m of months) {
          ctx.print(
            `${m.month}  ${[m.requested, m.approved, m.refused, m.executed, m.notified].map((n) => String(n).padStart(8)).join(' ')}`,
          );
        }
      }),
    );
}

/**
 * `gatehouse audit verify|log|head`: the hash-chained audit log (docs/audit.md).
 * `verify` exits non-zero and names the first broken entry when the log was tampered with.
 */
import type { Command } from 'commander';
import { auditVerifyReport, loadOrCreateSigningKey, signHead } from '../audit/index.js';
import { GatehouseError } from '../core/errors.js';
import type { Context } from './context.js';

type Wrap = (fn: (ctx: Context, ...args: string[]) => Promise<void>) => (...args: unknown[]) => Promise<void>;

/** Registers `audit`. */
export function registerAudit(program: Command, wrap: Wrap): void {
  const audit = program.command('audit').description('the hash-chained audit log');
  const opts = <T extends object>(name: string) => audit.commands.find((c) => c.name() === name)!.opts() as T;
  audit
    .command('verify')
    .description('walk the whole chain; fail at the first modified, missing, inserted or reordered entry')
    .action(
      wrap(async (ctx) => {
        const result = await (await ctx.store()).audit.verify();
        if (ctx.json) ctx.printJson(result);
        else ctx.print(auditVerifyReport(result));
        if (!result.ok)
          throw new GatehouseError(
            'GH_ERR_AUDIT_INVALID',
            `audit log broken at entry ${result.seq}: ${result.problem}`,
          );
      }),
    );
  audit
    .command('log')
    .description('list entries (oldest first)')
    .option('--object <object>', 'only entries about this object, e.g. order/17')
    .option('--actor <name>', 'only entries by this user')
    .option('--limit <n>', 'at most this many entries', '100')
    .action(
      wrap(async (ctx) => {
        const f = opts<{ object?: string; actor?: string; limit: string }>('log');
        const entries = await (await ctx.store()).audit.entries({
          limit: Number(f.limit),
          ...(f.object ? { object: f.object } : {}),
          ...(f.actor ? { actor: f.actor } : {}),
        });
        if (ctx.json) return ctx.printJson(entries);
        for (const e of entries) {
          ctx.print(
            `${String(e.seq).padStart(6)}  ${new Date(e.time).toISOString()}  ${e.actor.padEnd(14)} ${e.action.padEnd(18)} ${e.object}  ${e.hash.slice(0, 16)}…`,
          );
        }
      }),
    );
  audit
    .command('head')
    .description('the latest entry’s hash; --sign signs it with the node’s Ed25519 key for publication')
    .option('--sign', 'sign the head (key in <data>/keys, created on first use)')
    .action(
      wrap(async (ctx) => {
        const head = await (await ctx.store()).audit.head();
        if (!opts<{ sign?: boolean }>('head').sign) {
          if (ctx.json) return ctx.printJson(head);
          return ctx.print(`${head.seq} ${head.hash}`);
        }
        const key = loadOrCreateSigningKey(ctx.config.dataDir);
        ctx.printJson(signHead(head, key.privateKeyPem));
      }),
    );
}

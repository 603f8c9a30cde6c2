/**
 * `gatehouse policy …`: import lists into an order, export the policy in force, check a name.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command, OptionValues } from 'commander';
import { GatehouseError } from '../core/errors.js';
import { parseAddress } from '../core/net/address.js';
import { compilePolicy } from '../policy/compile.js';
import { evaluate, type Facts } from '../policy/evaluate.js';
import { explain } from '../policy/explain.js';
import {
  EXPORT_FORMATS,
  type ExportFormat,
  formatLineError,
  type ImportSummary,
  importList,
  isListFormat,
  LIST_FORMATS,
  writeRules,
} from '../policy/formats/index.js';
import type { Rule } from '../policy/model.js';
import { createDestinationClassifier } from '../proxy/destination-class.js';
import type { Store } from '../store/types.js';
import type { Context } from './context.js';
import { parseId, parseTime } from './context.js';
import { createProgress } from './progress.js';

type Run = (ctx: Context, ...args: string[]) => Promise<void>;
type Wrap = (fn: Run) => (...args: unknown[]) => Promise<void>;

/** The human summary of an import: accepted, skipped by reason, warnings, first errors. */
export function describeImport(s: ImportSummary): string {
  const lines = [
    `${s.lines.toLocaleString('en')} lines, ${s.accepted.toLocaleString('en')} rules accepted, ${s.duplicates} duplicates`,
  ];
  for (const [reason, n] of Object.entries(s.skipped)) lines.push(`  skipped ${n}: ${reason}`);
  for (const [reason, w] of Object.entries(s.warnings)) {
    lines.push(
      `  warning ${w.count}: ${reason}${w.examples[0] ? ` (first: line ${w.examples[0].line}: ${w.examples[0].text})` : ''}`,
    );
  }
  if (s.errors.length > 0) lines.push(`  errors ${s.errors.length}, first ones:`);
  for (const e of s.errors.slice(0, 5)) lines.push(`    ${formatLineError(s.source, e)}`);
  return lines.join('\n');
}

async function importCommand(
  ctx: Context,
  file: string,
  flags: { format: string; order: string; list?: string },
) {
  if (!isListFormat(flags.format)) {
    throw new GatehouseError(
      'GH_ERR_LIST_FORMAT',
      `--format: expected one of ${LIST_FORMATS.join(', ')}, got "${flags.format}"`,
    );
  }
  const store = await ctx.store();
  const user = ctx.user();
  const order = await store.orders.require(parseId(flags.order));
  const name = flags.list ?? basename(file);
  const existing = await store.lists.byName(name);
  const attached = existing
    ? (await store.orders.lists(order.id)).some((l) => l.listId === existing.id)
    : false;
  if (!attached && order.status !== 'draft') {
    throw new GatehouseError(
      'GH_ERR_ORDER_STATE',
      `order ${order.id} is ${order.status}: a new list can only be attached to a draft order (what was approved cannot grow); re-importing a list already attached needs no new approval`,
    );
  }
  const progress = createProgress(`importing ${file}`, ctx.io.err);
  const totalBytes = safeSize(file);
  const summary = await importList(file, flags.format, {
    errorBudget: ctx.config.policy.listErrorBudget,
    onProgress: (p) => progress.tick({ ...p, ...(totalBytes ? { totalBytes } : {}) }),
  });
  const list = existing ?? (await store.lists.create({ name, format: flags.format }, user));
  const stats = {
    lines: summary.lines,
    accepted: summary.accepted,
    duplicates: summary.duplicates,
    skipped: summary.skipped,
    errors: summary.errors.length,
  };
  const version = await store.lists.addVersion(
    list.id,
    { rules: summary.rules, sourceName: basename(file), format: flags.format, stats },
    user,
  );
  if (!attached) await store.orders.attachList(order.id, list.id, user);
  progress.done(describeImport(summary));
  if (ctx.json) return ctx.printJson({ list, version, summary: { ...summary, rules: undefined } });
  ctx.print(
    `list "${list.name}" (#${list.id}) version ${version.version}: ${version.ruleCount} rules, attached to order ${order.id}`,
  );
}

function safeSize(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

/** Every rule of every order in force, allow orders' rules as exceptions, without duplicates. */
async function policyRules(store: Store, now: number): Promise<Rule[]> {
  const seen = new Set<string>();
  const out: Rule[] = [];
  for (const { order, rules } of await store.orders.listActiveWithRules(now)) {
    for (const rule of rules) {
      const r = order.action.kind === 'allow' && !rule.allow ? { ...rule, allow: true } : rule;
      const key = `${r.kind}|${r.value}|${r.allow ? 1 : 0}|${r.important ? 1 : 0}|${r.answer ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(r);
    }
  }
  return out;
}

async function exportCommand(ctx: Context, flags: { format: string }) {
  if (!EXPORT_FORMATS.includes(flags.format as ExportFormat)) {
    throw new GatehouseError(
      'GH_ERR_EXPORT_FORMAT',
      `--format: expected one of ${EXPORT_FORMATS.join(', ')}, got "${flags.format}"`,
    );
  }
  const rules = await policyRules(await ctx.store(), Date.now());
  const summary = await writeRules(flags.format as ExportFormat, rules, ctx.io.out);
  const omitted = Object.entries(summary.omitted).map(([k, n]) => `${n} ${k}`);
  ctx.io.err.write(
    `exported ${rules.length} rules as ${flags.format}${omitted.length ? `; not expressible in this format: ${omitted.join(', ')}` : ''}\n`,
  );
}

/** An address also gets its destination class (`proxy.domesticPrefixes`), as the proxy gives it. */
function factsOf(target: string, domesticPrefixes: readonly string[]): Facts {
  if (/^https?:\/\//i.test(target)) return { url: target };
  if (parseAddress(target)) {
    const destinationClass = createDestinationClassifier(domesticPrefixes).classOf(target);
    return destinationClass ? { address: target, destinationClass } : { address: target };
  }
  return { domain: target };
}

async function checkCommand(
  ctx: Context,
  target: string,
  flags: { isp?: string; group?: string[]; at?: string },
) {
  const now = Date.now();
  const time = flags.at ? parseTime(flags.at, now, '--at') : now;
  const store = await ctx.store();
  const policy = compilePolicy(await store.orders.listActiveWithRules(time), time);
  const facts: Facts = {
    ...factsOf(target, ctx.config.proxy.domesticPrefixes),
    time,
    ...(flags.isp ? { isp: flags.isp } : {}),
    ...(flags.group ? { groups: flags.group } : {}),
  };
  const decision = evaluate(policy, facts);
  const explanation = explain(decision, policy);
  if (ctx.json)
    return ctx.printJson({
      target,
      facts,
      decision,
      rule: policy.rule(decision.ruleId)?.rule ?? null,
      explanation,
    });
  ctx.print(`${target}: ${decision.action}${decision.orderId ? ` (order ${decision.orderId})` : ''}`);
  ctx.print(explanation);
}

/** Registers `policy` and its subcommands. */
export function registerPolicy(program: Command, wrap: Wrap): void {
  const policy = program.command('policy').description('lists, exports and decisions');
  const opts = <T extends OptionValues>(name: string) =>
    policy.commands.find((c) => c.name() === name)!.opts<T>();
  policy
    .command('import <file>')
    .description('import a list as a new version and attach it to an order')
    .requiredOption('--format <format>', LIST_FORMATS.join(' | '))
    .requiredOption('--order <id>', 'the order the list carries out')
    .option('--list <name>', 'list name (default: the file name); re-importing makes a new version')
    .action(wrap((ctx, file) => importCommand(ctx, file, opts('import'))));
  policy
    .command('export')
    .description('write the rules of every order in force to standard output')
    .requiredOption('--format <format>', EXPORT_FORMATS.join(' | '))
    .action(wrap((ctx) => exportCommand(ctx, opts('export'))));
  policy
    .command('check <target>')
    .description('the decision and its explanation for a name, address or URL')
    .option('--isp <isp>', 'the subscriber’s ISP')
    .option('--group <group...>', 'the subscriber’s groups')
    .option('--at <time>', 'evaluate at this time (ISO 8601 or +N(s|m|h|d))')
    .action(wrap((ctx, target) => checkCommand(ctx, target, opts('check'))));
}

/**
 * `gatehouse orders …`: create, submit, approve, activate, suspend, revoke, list, show.
 * Every act is done as a named user and kept in the order's history; nobody approves their own order.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { GatehouseError } from '../core/errors.js';
import { type Transition, transition, validateOrderInput } from '../policy/lifecycle.js';
import type { Order } from '../policy/model.js';
import type { Context } from './context.js';
import { parseId, parseTime } from './context.js';

type Run = (ctx: Context, ...args: string[]) => Promise<void>;
type Wrap = (fn: Run) => (...args: unknown[]) => Promise<void>;

interface CreateFlags {
  file?: string;
  title?: string;
  authority?: string;
  authorityKind?: string;
  instrument?: string;
  article?: string;
  decisionRef?: string;
  scope?: string;
  action?: string;
  infoCode?: string;
  notice?: string;
  appeal?: string[];
  dnsAnswer?: string;
  notBefore?: string;
  expires?: string;
  private?: boolean;
  target?: string[];
  draft?: boolean;
}

function scopeOf(text: string): unknown {
  if (text === 'national') return { kind: 'national' };
  const m = /^(isp|isps|group|groups):(.+)$/.exec(text);
  if (!m)
    throw new GatehouseError(
      'GH_ERR_CLI_USAGE',
      `--scope: expected national, isp:A,B or group:G,H, got "${text}"`,
    );
  const names = m[2].split(',').map((s) => s.trim());
  return m[1].startsWith('isp') ? { kind: 'isps', isps: names } : { kind: 'groups', groups: names };
}

function actionOf(text: string): unknown {
  const m = /^throttle:(\d+)$/.exec(text);
  if (m) return { kind: 'throttle', bytesPerSecond: Number(m[1]) };
  return { kind: text };
}

/** The order as the flags (and an optional YAML/JSON file under them) describe it. */
function inputFromFlags(f: CreateFlags, now: number): Record<string, unknown> {
  const base = f.file ? (parseYaml(readFileSync(f.file, 'utf8')) as Record<string, unknown>) : {};
  const o: Record<string, unknown> = { ...base };
  if (f.title) o.title = f.title;
  if (f.authority || f.authorityKind) o.authority = { name: f.authority, kind: f.authorityKind ?? 'court' };
  if (f.instrument || f.article) o.legalBasis = { instrument: f.instrument, article: f.article };
  if (f.decisionRef) o.decisionRef = f.decisionRef;
  o.scope = f.scope ? scopeOf(f.scope) : (base.scope ?? { kind: 'national' });
  o.action = f.action ? actionOf(f.action) : (base.action ?? { kind: 'block' });
  const d = (base.disclosure ?? {}) as Record<string, unknown>;
  o.disclosure = {
    ...d,
    ...(f.infoCode ? { infoCode: Number(f.infoCode) } : {}),
    ...(f.notice ? { notice: f.notice } : {}),
    ...(f.appeal ? { appeal: f.appeal } : {}),
    ...(f.dnsAnswer ? { dnsAnswer: f.dnsAnswer } : {}),
  };
  if (f.notBefore) o.notBefore = parseTime(f.notBefore, now, '--not-before');
  else if (typeof base.notBefore === 'string') o.notBefore = parseTime(base.notBefore, now, 'notBefore');
  if (f.expires) o.expiresAt = parseTime(f.expires, now, '--expires');
  else if (typeof base.expiresAt === 'string') o.expiresAt = parseTime(base.expiresAt, now, 'expiresAt');
  if (f.private) o.public = false;
  if (f.target) o.targets = [...((base.targets as string[]) ?? []), ...f.target];
  return o;
}

function summaryLine(o: Order): string {
  const until = new Date(o.expiresAt).toISOString().slice(0, 16).replace('T', ' ');
  return `${String(o.id).padStart(5)}  ${o.status.padEnd(16)} ${o.action.kind.padEnd(11)} until ${until}Z  ${o.title}`;
}

async function show(ctx: Context, idText: string): Promise<void> {
  const store = await ctx.store();
  const id = parseId(idText);
  const order = await store.orders.require(id);
  const [targets, lists, history] = await Promise.all([
    store.orders.targets(id),
    store.orders.lists(id),
    store.orders.history(id),
  ]);
  if (ctx.json) return ctx.printJson({ order, targets, lists, history });
  const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
  const scope =
    order.scope.kind === 'national'
      ? 'national'
      : `${order.scope.kind}: ${(order.scope.kind === 'isps' ? order.scope.isps : order.scope.groups).join(', ')}`;
  ctx.print(
    [
      `order ${order.id}: ${order.title}`,
      `  status        ${order.status}`,
      `  authority     ${order.authority.name} (${order.authority.kind})`,
      `  legal basis   ${order.legalBasis.instrument}, ${order.legalBasis.article}`,
      `  decision      ${order.decisionRef}`,
      `  scope         ${scope}`,
      `  action        ${order.action.kind}${order.action.kind === 'throttle' ? ` ${order.action.bytesPerSecond} B/s` : ''}`,
      `  disclosure    EDE ${order.disclosure.infoCode}, DNS answer ${order.disclosure.dnsAnswer}; appeal ${order.disclosure.appeal.join(', ')}`,
      `  notice        ${order.disclosure.notice}`,
      `  in force      ${iso(order.notBefore)} → ${iso(order.expiresAt)}${order.public ? '' : ' (not public)'}`,
      `  created       ${iso(order.createdAt)} by ${order.createdBy}; approved ${iso(order.approvedAt)} by ${order.approvedBy ?? '-'}`,
      `  targets       ${targets.length === 0 ? '-' : targets.join(' ')}`,
      `  lists         ${lists.length === 0 ? '-' : lists.map((l) => `#${l.listId}@${l.version ?? 'latest'}`).join(' ')}`,
      '  history',
      ...history.map((h) => `    ${iso(h.at)}  ${h.from ?? '(new)'} → ${h.to}  by ${h.actor}`),
    ].join('\n'),
  );
}

function act(name: Transition): Run {
  return async (ctx, idText) => {
    const store = await ctx.store();
    const order = await store.orders.require(parseId(idText));
    const updated = await store.orders.apply(transition(order, name, ctx.user(), Date.now()));
    if (ctx.json) return ctx.printJson(updated);
    ctx.print(`order ${updated.id} is now ${updated.status}`);
  };
}

/** Registers `orders` and its subcommands. */
export function registerOrders(program: Command, wrap: Wrap): void {
  const orders = program
    .command('orders')
    .description('create and manage orders (the only source of any action)');
  orders
    .command('create')
    .description('create an order and submit it for approval by a second person (--draft keeps it a draft)')
    .option('--file <file>', 'YAML or JSON with any of the fields below (flags override it)')
    .option('--title <text>')
    .option('--authority <name>', 'issuing authority')
    .option('--authority-kind <kind>', 'court | independent-body | regulator | operator')
    .option('--instrument <text>', 'legal instrument (an order without a legal basis is refused)')
    .option('--article <text>', 'article of the instrument')
    .option('--decision-ref <ref>', 'the decision reference')
    .option('--scope <scope>', 'national | isp:A,B | group:G,H', 'national')
    .option('--action <action>', 'block | throttle:BYTES_PER_SECOND | safe-search | allow', 'block')
    .option('--info-code <code>', 'EDE INFO-CODE: 16 Censored, 15 Blocked, 17 Filtered')
    .option('--notice <text>', 'the notice shown to people affected')
    .option('--appeal <uri...>', 'appeal contacts: mailto:, tel: or sips: URIs')
    .option('--dns-answer <answer>', 'nxdomain | nodata | refused | notice')
    .option('--not-before <time>', 'ISO 8601 or +N(s|m|h|d); default now')
    .option('--expires <time>', 'ISO 8601 or +N(s|m|h|d) (mandatory)')
    .option('--private', 'leave the order out of the public register')
    .option(
      '--target <target...>',
      'example.com, =exact.example, *.sub.example, 192.0.2.0/24, http://host/path, class:international',
    )
    .option('--draft', 'create as a draft without submitting it')
    .action(
      wrap(async (ctx) => {
        const flags = orders.commands.find((c) => c.name() === 'create')!.opts<CreateFlags>();
        const now = Date.now();
        const input = validateOrderInput(inputFromFlags(flags, now), {
          maxDurationMs: ctx.config.policy.maxOrderDuration,
          now,
          destinationClasses: ctx.config.proxy.domesticPrefixes.length > 0,
        });
        const store = await ctx.store();
        const user = ctx.user();
        let order = await store.orders.create(input, user);
        if (!flags.draft) order = await store.orders.apply(transition(order, 'submit', user, now));
        if (ctx.json) return ctx.printJson(order);
        ctx.print(`order ${order.id} created by ${user}: ${order.status}`);
        if (!flags.draft)
          ctx.print(`a second person approves it with: gatehouse orders approve ${order.id} --as NAME`);
      }),
    );
  const acts: [Transition, string][] = [
    ['submit', 'submit a draft for approval'],
    ['approve', 'approve a pending order as a second person: it becomes active'],
    ['activate', 'resume a suspended order (not by its creator)'],
    ['suspend', 'suspend an active order'],
    ['revoke', 'revoke an order for good'],
  ];
  for (const [name, description] of acts) {
    orders
      .command(`${name} <id>`)
      .description(description)
      .action(wrap(act(name)));
  }
  orders
    .command('list')
    .description('list orders (expired and revoked ones with --all)')
    .option('--status <status>', 'only orders in this status')
    .option('--all', 'include expired orders')
    .action(
      wrap(async (ctx) => {
        const flags = orders.commands
          .find((c) => c.name() === 'list')!
          .opts<{ status?: string; all?: boolean }>();
        const store = await ctx.store();
        const list = await store.orders.list({
          ...(flags.status ? { status: flags.status as Order['status'] } : {}),
          includeExpired: flags.all === true,
        });
        if (ctx.json) return ctx.printJson(list);
        if (list.length === 0) return ctx.print('no orders');
        for (const o of list) ctx.print(summaryLine(o));
      }),
    );
  orders.command('show <id>').description('show an order, its targets, lists and history').action(wrap(show));
}

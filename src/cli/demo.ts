/**
 * `gatehouse demo`: creates and approves one clearly labelled demonstration order, by two
 * different demo users, so a newcomer can see a disclosed block at once (README, Quick start).
 * The order is an order like any other: public, time-limited, in the history and the register.
 */
import type { Command } from 'commander';
import type { ListenAddress } from '../config/net-fields.js';
import { transition, validateOrderInput } from '../policy/lifecycle.js';
import type { Context } from './context.js';

const DEMO_REF = 'DEMO-1';
/** The names the demo order blocks (RFC 2606 reserves `.example` for documentation). */
export const DEMO_TARGETS = ['blocked.example', 'http://demo.example/blocked'];

/** How long `demo` waits for a running gateway to apply the order (it compiles within about 1 s). */
const APPLY_WAIT_MS = 10_000;

function healthUrl(listen: ListenAddress): string {
  const any = listen.host === '0.0.0.0' || listen.host === '::' || listen.host === '';
  const host = any ? '127.0.0.1' : listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return `http://${host}:${listen.port}/healthz`;
}

/**
 * Waits until the gateway of this configuration reports (in /healthz) a policy compiled after
 * `since` that holds `orders` orders: the store has the order at once, the running gateway applies
 * it at its next compile. A dig sent in between would be forwarded upstream unblocked.
 */
async function waitApplied(
  listen: ListenAddress,
  orders: number,
  since: number,
): Promise<'applied' | 'not-running' | 'waiting'> {
  const deadline = Date.now() + APPLY_WAIT_MS;
  for (;;) {
    try {
      const res = await fetch(healthUrl(listen), { signal: AbortSignal.timeout(2000) });
      const body = (await res.json()) as { policy?: { orders?: number; compiledAt?: number } };
      const p = body.policy;
      if (p !== undefined && (p.orders ?? 0) >= orders && (p.compiledAt ?? 0) >= since) return 'applied';
    } catch {
      return 'not-running';
    }
    if (Date.now() > deadline) return 'waiting';
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function demo(ctx: Context): Promise<void> {
  const store = await ctx.store();
  const existing = (await store.orders.list()).find(
    (o) => o.decisionRef === DEMO_REF && o.status === 'active',
  );
  if (existing) {
    ctx.print(`demo order ${existing.id} is already active`);
  } else {
    const now = Date.now();
    const input = validateOrderInput(
      {
        title: 'Demonstration order: blocks blocked.example',
        authority: { name: 'Gatehouse demonstration', kind: 'operator' },
        legalBasis: { instrument: 'Demonstration only (no legal effect)', article: 'n/a' },
        decisionRef: DEMO_REF,
        scope: { kind: 'national' },
        action: { kind: 'block' },
        disclosure: {
          infoCode: 16,
          notice: 'This is a demonstration of how Gatehouse discloses a block. It has no legal effect.',
          appeal: ['mailto:appeals@gatehouse.example'],
          dnsAnswer: 'nxdomain',
        },
        expiresAt: now + 7 * 86_400_000,
        targets: DEMO_TARGETS,
      },
      { maxDurationMs: ctx.config.policy.maxOrderDuration, now },
    );
    const draft = await store.orders.create(input, 'demo-operator');
    const pending = await store.orders.apply(transition(draft, 'submit', 'demo-operator', now));
    const active = await store.orders.apply(transition(pending, 'approve', 'demo-judge', now));
    ctx.print(`demo order ${active.id} created by demo-operator, approved by demo-judge, active for 7 days`);
  }
  const orders = (await store.orders.list()).filter(
    (o) => o.status === 'active' && o.expiresAt > Date.now() && o.action.kind !== 'disconnect',
  );
  const since = Math.max(0, ...orders.map((o) => o.approvedAt ?? o.createdAt));
  const applied = await waitApplied(ctx.config.http.listen, orders.length, since);
  if (applied !== 'applied') {
    // Until the gateway compiles the order, a query for the name is forwarded upstream unblocked.
    ctx.print(
      applied === 'not-running'
        ? `no gateway answers at ${healthUrl(ctx.config.http.listen)}: start it (npm start) before trying these`
        : 'the running gateway has not applied the order yet: wait a moment before trying these',
    );
  }
  const dns = ctx.config.dns.listen[0];
  const proxy = ctx.config.proxy.listen[0];
  ctx.print('try:');
  if (dns) ctx.print(`  dig @${dns.host} -p ${dns.port} blocked.example`);
  if (proxy) ctx.print(`  curl -i -x http://${proxy.host}:${proxy.port} http://blocked.example/`);
}

/** Registers `demo`. */
export function registerDemo(
  program: Command,
  wrap: (fn: (ctx: Context) => Promise<void>) => (...args: unknown[]) => Promise<void>,
): void {
  program
    .command('demo')
    .description('create and approve a demonstration order (blocks blocked.example)')
    .action(wrap(demo));
}

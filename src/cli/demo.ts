/**
 * `gatehouse demo`: creates and approves one clearly labelled demonstration order, by two
 * different demo users, so a newcomer can see a disclosed block at once (README, Quick start).
 * The order is an order like any other: public, time-limited, in the history and the register.
 */
import type { Command } from 'commander';
import { transition, validateOrderInput } from '../policy/lifecycle.js';
import type { Context } from './context.js';

const DEMO_REF = 'DEMO-1';
/** The names the demo order blocks (RFC 2606 reserves `.example` for documentation). */
export const DEMO_TARGETS = ['blocked.example', 'http://demo.example/blocked'];

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

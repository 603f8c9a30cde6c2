/**
 * `gatehouse connections list|end --order ID`: the live proxied connections of the running
 * node (through its HTTP endpoint, `http.listen`), and ending them, only ever citing an order.
 */
import type { Command } from 'commander';
import { GatehouseError } from '../core/errors.js';
import type { Context } from './context.js';
import { parseId } from './context.js';

type Wrap = (fn: (ctx: Context, ...args: string[]) => Promise<void>) => (...args: unknown[]) => Promise<void>;

interface Live {
  id: number;
  listener: string;
  clientAddress: string;
  destinationName: string | null;
  destinationAddress: string | null;
  port: number;
  verdict: string;
  orderId: number;
  throttled: boolean;
  bytesUp: number;
  bytesDown: number;
}

async function call(
  ctx: Context,
  node: string | undefined,
  method: 'GET' | 'POST',
  path: string,
): Promise<unknown> {
  const { host, port } = ctx.config.http.listen;
  const base = node ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const url = `${base.replace(/\/$/, '')}${path}`;
  let res: Response;
  try {
    res = await fetch(url, { method });
  } catch {
    throw new GatehouseError(
      'GH_ERR_CLI_USAGE',
      `no gateway answers at ${url}: is \`gatehouse start\` running with this configuration?`,
    );
  }
  const body = (await res.json()) as { error?: string; detail?: string };
  if (!res.ok)
    throw new GatehouseError(
      'GH_ERR_ORDER_STATE',
      `${method} ${path}: ${body.error ?? body.detail ?? res.status}`,
    );
  return body;
}

/** Registers `connections`. */
export function registerConnections(program: Command, wrap: Wrap): void {
  const cmd = program.command('connections').description('live proxied connections of the running gateway');
  cmd
    .command('list')
    .description('list live connections')
    .option('--node <url>', 'the node’s HTTP endpoint (default: http.listen of the configuration)')
    .action(
      wrap(async (ctx) => {
        const flags = cmd.commands.find((c) => c.name() === 'list')!.opts<{ node?: string }>();
        const list = (await call(ctx, flags.node, 'GET', '/connections')) as Live[];
        if (ctx.json) return ctx.printJson(list);
        if (list.length === 0) return ctx.print('no live connections');
        for (const c of list) {
          const dest = `${c.destinationName ?? c.destinationAddress ?? '?'}:${c.port}`;
          const order = c.orderId ? ` order ${c.orderId}` : '';
          ctx.print(
            `${String(c.id).padStart(6)}  ${c.listener.padEnd(16)} ${c.clientAddress.padEnd(16)} → ${dest}  ${c.verdict}${order}${c.throttled ? ' throttled' : ''}  ↑${c.bytesUp} ↓${c.bytesDown}`,
          );
        }
      }),
    );
  cmd
    .command('end')
    .description('end the live connections an order in force matches')
    .requiredOption('--order <id>', 'the order that requires it')
    .option('--node <url>', 'the node’s HTTP endpoint (default: http.listen of the configuration)')
    .action(
      wrap(async (ctx) => {
        const flags = cmd.commands.find((c) => c.name() === 'end')!.opts<{ order: string; node?: string }>();
        const path = `/connections/end?order=${parseId(flags.order)}`;
        const result = (await call(ctx, flags.node, 'POST', path)) as { ended: number };
        if (ctx.json) return ctx.printJson(result);
        ctx.print(`ended ${result.ended} connection(s) citing order ${flags.order}`);
      }),
    );
}

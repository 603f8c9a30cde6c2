/** Test fixtures for the portal: a store with orders in every state, and the plugin on a fastify app. */
import Fastify, { type FastifyInstance } from 'fastify';
import type { OrderInput } from '../../src/policy/lifecycle.js';
import { revoke } from '../../src/policy/lifecycle.js';
import type { Order } from '../../src/policy/model.js';
import { type PortalOptions, portalPlugin } from '../../src/portal/plugin.js';
import { activeOrder, orderInput } from '../../src/store/contract.test-suite.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';

/** The orders `seedOrders` makes. */
export interface SeededOrders {
  readonly active: Order;
  readonly revoked: Order;
  readonly hidden: Order;
  readonly draft: Order;
}

/** A public active order, a public revoked one, a non-public active one and a public draft. */
export async function seedOrders(store: Store, over: Partial<OrderInput> = {}): Promise<SeededOrders> {
  const active = await activeOrder(store, { public: true, title: 'Unlicensed gambling', ...over });
  const old = await activeOrder(store, { public: true, title: 'Old order' });
  const revoked = await store.orders.apply(revoke(old, 'carol', Date.now()));
  const hidden = await activeOrder(store, { public: false, title: 'Not public' });
  const draft = await store.orders.create(orderInput({ public: true, title: 'Draft order' }), 'alice');
  return { active, revoked, hidden, draft };
}

/** A fastify app with the portal registered at prefix '' over `store`. */
export async function portalApp(store: Store, opts: Partial<PortalOptions> = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(portalPlugin, { store, operatorUrl: 'https://gatehouse.example', ...opts });
  await app.ready();
  return app;
}

/** A fresh in-memory store. */
export const memoryStore = (): Promise<Store> => openStore('sqlite::memory:');

/** The form token in a rendered appeal form. */
export function formToken(html: string): string {
  const m = /name="token" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no form token in the page');
  return m[1];
}

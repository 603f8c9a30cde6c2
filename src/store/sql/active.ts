/**
 * `listActiveWithRules`: what compilation reads. Rows are read in one transaction (a consistent
 * snapshot); list bodies are decompressed and parsed after it commits, so a big list does not hold
 * the connection while it is decoded.
 */
import type { Kysely } from 'kysely';
import type { OrderWithRules, Rule } from '../../policy/model.js';
import { decodeLines, parseLines } from '../list-body.js';
import type { Database } from '../schema.js';
import { chunks, type OrderRow, toOrder } from './order-rows.js';

interface BodyRow {
  readonly list_id: number;
  readonly version: number;
  readonly sha256: string;
  readonly body: Uint8Array;
}

interface Snapshot {
  readonly orders: OrderRow[];
  readonly targets: Map<number, string[]>;
  /** Per order, keys into `bodies` (`listId@version`; `listId@none` for a list with no version yet). */
  readonly attached: Map<number, string[]>;
  readonly bodies: Map<string, BodyRow>;
}

/** A re-iterable concatenation, so a million list rules are not copied once per order. */
function concat(parts: readonly (readonly Rule[])[]): Iterable<Rule> {
  return {
    *[Symbol.iterator]() {
      for (const part of parts) yield* part;
    },
  };
}

async function readSnapshot(db: Kysely<Database>, now: number): Promise<Snapshot> {
  // PostgreSQL's default READ COMMITTED gives each statement its own snapshot; REPEATABLE READ gives
  // the whole transaction one (and never fails a read-only one). SQLite's transactions already do.
  const snapshot = db.transaction().setIsolationLevel('repeatable read');
  return snapshot.execute(async (trx) => {
    const orders = await trx
      .selectFrom('orders')
      .selectAll()
      .where('status', '=', 'active')
      // Orders whose not-before lies ahead are included: the compiled policy starts them at
      // their second without waiting for the next recompile.
      .where('expires_at', '>', now)
      .orderBy('id')
      .execute();
    const snap: Snapshot = { orders, targets: new Map(), attached: new Map(), bodies: new Map() };
    // Pinned and latest links that land on the same version share one decoded body.
    const resolved = new Map<string, string>();
    for (const ids of chunks(orders.map((o) => o.id))) {
      const targets = await trx
        .selectFrom('order_targets')
        .select(['order_id', 'line'])
        .where('order_id', 'in', ids)
        .orderBy('order_id')
        .orderBy('position')
        .execute();
      for (const t of targets) pushTo(snap.targets, Number(t.order_id), t.line);
      const links = await trx.selectFrom('order_lists').selectAll().where('order_id', 'in', ids).execute();
      for (const link of links) {
        const asked = `${link.list_id}@${link.version ?? 'latest'}`;
        let key = resolved.get(asked);
        if (key === undefined) {
          const row = await readBody(trx, Number(link.list_id), link.version);
          key = `${link.list_id}@${row?.version ?? 'none'}`;
          resolved.set(asked, key);
          if (row !== undefined) snap.bodies.set(key, row);
        }
        pushTo(snap.attached, Number(link.order_id), key);
      }
    }
    return snap;
  });
}

function pushTo<V>(map: Map<number, V[]>, key: number, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

async function readBody(
  db: Kysely<Database>,
  listId: number,
  version: number | null,
): Promise<BodyRow | undefined> {
  let query = db
    .selectFrom('list_versions')
    .select(['list_id', 'version', 'sha256', 'body'])
    .where('list_id', '=', listId);
  query = version === null ? query.orderBy('version', 'desc').limit(1) : query.where('version', '=', version);
  return query.executeTakeFirst();
}

/** Orders in force at `now` with their own targets and the rules of their attached lists. */
export async function listActiveWithRules(db: Kysely<Database>, now: number): Promise<OrderWithRules[]> {
  const snap = await readSnapshot(db, now);
  const parsed = new Map<string, Rule[]>();
  for (const [key, row] of snap.bodies) {
    const where = `list ${row.list_id} version ${row.version}`;
    parsed.set(key, parseLines(await decodeLines(row.body, row.sha256, where), where));
  }
  return snap.orders.map((row) => {
    const order = toOrder(row);
    // A disconnect order's targets are subscribers (`subscriber:ISP/ID`), not rules: it carries none.
    if (order.action.kind === 'disconnect') return { order, rules: [] };
    const own = parseLines(snap.targets.get(Number(row.id)) ?? [], `order ${row.id} targets`);
    // A list attached before its first import contributes no rules yet.
    const lists = (snap.attached.get(Number(row.id)) ?? []).map((key) => parsed.get(key) ?? []);
    return { order, rules: concat([own, ...lists]) };
  });
}

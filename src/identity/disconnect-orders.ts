/**
 * Carrying out disconnect orders: for every active, started, unexpired order with action
 * `disconnect`, each session its subscribers hold gets one RADIUS Disconnect-Request (RFC 5176 §3)
 * to that ISP's NAS, and the ACK or NAK (with its Error-Cause, RFC 5176 §3.6) is recorded and audited.
 *
 * Never twice for one order and session: the request is claimed in the store (a unique row) before
 * it is sent, so two nodes, two checks or a restart cannot send it again. Silence is retried by
 * retransmitting the same packet (RFC 5080 §2.2.1, in `disconnect.ts`); a request that stays
 * unanswered is recorded as `timeout` and not sent again (a crash between claim and answer leaves
 * it `sending`): a person decides what happens next, as for every power here.
 */
import type { Order } from '../policy/model.js';
import { parseSubscriberTarget } from '../policy/subscriber-target.js';
import type { Store } from '../store/types.js';
import { type DisconnectOptions, type DisconnectResult, sendDisconnect } from './disconnect.js';
import type { DisconnectRecord } from './subscribers/repository.js';
import type { ActiveSession } from './subscribers/sessions.js';

/** Where one ISP's Disconnect-Requests go. */
export interface DisconnectNas {
  readonly isp: string;
  /** `HOST:PORT` or `[IPV6]:PORT`. */
  readonly nas: string;
  readonly secret: string;
}

/** The slice of a pino logger used here. */
export interface DisconnectLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Options of `createDisconnectOrders`. */
export interface DisconnectOrdersOptions {
  readonly store: Pick<Store, 'orders' | 'subscribers'>;
  /** Active sessions by subscriber (the accounting server's session book). */
  readonly sessions: { of(isp: string, subscriber: string): readonly ActiveSession[] };
  readonly nases: readonly DisconnectNas[];
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly logger?: DisconnectLogger;
  /** Sends one request (tests may stub the network; default `sendDisconnect`). */
  readonly send?: (opts: DisconnectOptions) => Promise<DisconnectResult>;
  readonly now?: () => number;
  /** How often active orders are checked without being poked (default 10 s; 0: never). */
  readonly intervalMs?: number;
}

/** The running enforcer. */
export interface DisconnectOrders {
  /** Checks every active disconnect order now; resolves to the requests settled in this pass. */
  check(): Promise<DisconnectRecord[]>;
  /** Asks for a check soon (policy changed, a session started); checks never overlap. */
  poke(): void;
  close(): void;
}

/** The actor of automatic acts in the audit log. */
const ACTOR = 'system';

function inForce(order: Order, now: number): boolean {
  return (
    order.action.kind === 'disconnect' &&
    order.status === 'active' &&
    order.notBefore <= now &&
    now < order.expiresAt
  );
}

/** An order scoped to ISPs disconnects only those ISPs' subscribers. */
function scopeAllows(order: Order, isp: string): boolean {
  return order.scope.kind !== 'isps' || order.scope.isps.includes(isp);
}

/** Starts checking active disconnect orders (at once, on `poke`, and every `intervalMs`). */
export function createDisconnectOrders(o: DisconnectOrdersOptions): DisconnectOrders {
  const now = o.now ?? Date.now;
  const send = o.send ?? sendDisconnect;
  const nasOf = new Map(o.nases.map((n) => [n.isp, n]));
  const warned = new Set<string>();
  let running: Promise<DisconnectRecord[]> | null = null;
  let again = false;
  let closed = false;

  async function disconnect(order: Order, session: ActiveSession): Promise<DisconnectRecord | null> {
    const nas = nasOf.get(session.isp);
    if (nas === undefined) {
      if (!warned.has(session.isp))
        o.logger?.warn(
          { orderId: order.id, isp: session.isp },
          'no radius.disconnect NAS for this ISP; nothing sent',
        );
      warned.add(session.isp);
      return null;
    }
    const claim = await o.store.subscribers.claimDisconnect(
      {
        orderId: order.id,
        isp: session.isp,
        subscriber: session.subscriber,
        nas: session.nas,
        sessionId: session.sessionId,
        framedIp: session.framedIp,
        nasAddress: nas.nas,
      },
      ACTOR,
    );
    if (claim === null) return null; // sent before (by this node or another)
    let result: DisconnectResult | null = null;
    try {
      result = await send({
        nas: nas.nas,
        secret: nas.secret,
        // RFC 5176 §3: the session identification attributes the NAS matches on.
        attributes: {
          'User-Name': session.userName,
          'Acct-Session-Id': session.sessionId,
          ...(session.framedIp === null ? {} : { 'Framed-IP-Address': session.framedIp }),
        },
        timeoutMs: o.timeoutMs,
        retries: o.retries,
        now,
      });
    } catch (err) {
      o.logger?.warn(
        { err, orderId: order.id, disconnect: claim.id },
        'disconnect request could not be sent',
      );
    }
    const settled = await o.store.subscribers.settleDisconnect(
      claim.id,
      result === null
        ? { status: 'error', attempts: 0 }
        : {
            status: result.outcome,
            attempts: result.attempts,
            ...(result.errorCause === undefined ? {} : { errorCause: result.errorCause }),
          },
      ACTOR,
    );
    o.logger?.info(
      {
        orderId: order.id,
        disconnect: settled.id,
        status: settled.status,
        errorCause: settled.errorCause,
        attempts: settled.attempts,
      },
      'disconnect request answered',
    );
    return settled;
  }

  async function pass(): Promise<DisconnectRecord[]> {
    const t = now();
    const orders = (await o.store.orders.list({ status: 'active' })).filter((x) => inForce(x, t));
    const work: Promise<DisconnectRecord | null>[] = [];
    for (const order of orders) {
      for (const line of await o.store.orders.targets(order.id)) {
        const target = parseSubscriberTarget(line);
        if (typeof target === 'string' || !scopeAllows(order, target.isp)) continue;
        for (const session of o.sessions.of(target.isp, target.id)) work.push(disconnect(order, session));
      }
    }
    return (await Promise.all(work)).filter((r): r is DisconnectRecord => r !== null);
  }

  function check(): Promise<DisconnectRecord[]> {
    if (running !== null) {
      again = true;
      return running;
    }
    running = pass().finally(() => {
      running = null;
      if (again && !closed) {
        again = false;
        poke();
      }
    });
    return running;
  }

  function poke(): void {
    if (closed) return;
    check().catch((err: unknown) =>
      o.logger?.warn({ err }, 'checking disconnect orders failed; retried on the next check'),
    );
  }

  const timer = (o.intervalMs ?? 10_000) > 0 ? setInterval(poke, o.intervalMs ?? 10_000) : null;
  timer?.unref();
  return {
    check,
    poke,
    close: () => {
      closed = true;
      if (timer !== null) clearInterval(timer);
    },
  };
}

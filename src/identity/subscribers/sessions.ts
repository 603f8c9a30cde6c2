/**
 * Active accounting sessions by subscriber, for Disconnect-Requests: the lease index answers
 * "who holds this address" on the hot path; a disconnect order asks the reverse, "which sessions
 * does this subscriber have", rarely. Fed by the accounting server's `onEvent`, after the lease
 * index has applied the same event, with the same rules (RFC 2866 §5.1 Start/Interim open,
 * Stop closes, Accounting-On/Off closes every session of the NAS).
 */
import { formatIPv4 } from '../../core/net/address.js';
import type { AccountingEvent } from '../accounting-event.js';

/** One active session: what RFC 5176 §3 identifies it by. */
export interface ActiveSession {
  readonly isp: string;
  readonly subscriber: string;
  readonly nas: string;
  readonly sessionId: string;
  /** User-Name as accounting reported it (the subscriber id by default). */
  readonly userName: string;
  /** Framed-IP-Address, or null for an IPv6-only session. */
  readonly framedIp: string | null;
  readonly since: number;
}

/** Sessions by ISP and subscriber (and by NAS, for Accounting-On/Off). */
export class SessionBook {
  readonly #sessions = new Map<string, ActiveSession>();
  readonly #bySubscriber = new Map<string, Set<string>>();
  readonly #byNas = new Map<string, Set<string>>();

  /** Applies one accounting event (idempotent, like the lease index). */
  apply(e: AccountingEvent): void {
    if (e.status === 'on' || e.status === 'off') {
      for (const key of [...(this.#byNas.get(`${e.isp}\0${e.nas}`) ?? [])]) this.#remove(key);
      return;
    }
    const key = `${e.isp}\0${e.nas}\0${e.sessionId}`;
    if (e.status === 'stop' || e.subscriber === null) {
      if (e.status === 'stop') this.#remove(key);
      return;
    }
    const before = this.#sessions.get(key);
    if (before !== undefined && before.subscriber !== e.subscriber) this.#remove(key);
    this.#sessions.set(key, {
      isp: e.isp,
      subscriber: e.subscriber,
      nas: e.nas,
      sessionId: e.sessionId,
      userName: e.subscriber,
      framedIp: e.ipv4 >= 0 ? formatIPv4(e.ipv4) : null,
      since: before?.subscriber === e.subscriber ? before.since : e.time,
    });
    add(this.#bySubscriber, `${e.isp}\0${e.subscriber}`, key);
    add(this.#byNas, `${e.isp}\0${e.nas}`, key);
  }

  /** The subscriber's active sessions (oldest first). */
  of(isp: string, subscriber: string): ActiveSession[] {
    const keys = this.#bySubscriber.get(`${isp}\0${subscriber}`) ?? [];
    return [...keys].map((k) => this.#sessions.get(k)!).sort((a, b) => a.since - b.since);
  }

  /** Active sessions in all. */
  get size(): number {
    return this.#sessions.size;
  }

  #remove(key: string): void {
    const s = this.#sessions.get(key);
    if (s === undefined) return;
    this.#sessions.delete(key);
    take(this.#bySubscriber, `${s.isp}\0${s.subscriber}`, key);
    take(this.#byNas, `${s.isp}\0${s.nas}`, key);
  }
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key) ?? new Set<string>();
  map.set(key, set);
  set.add(value);
}

function take(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (set?.delete(value) && set.size === 0) map.delete(key);
}

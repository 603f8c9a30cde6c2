/**
 * Idle timeouts for DoH connections, counted in requests rather than bytes: a connection
 * (an HTTP/2 session, or an HTTP/1.1 socket) with no request in progress for `idleMs`
 * is closed. Node's own HTTP timeouts also kill requests still being answered, and an
 * HTTP/2 session's timer does not re-arm after it fires once, so neither fits here.
 */

interface Entry {
  active: number;
  timer: NodeJS.Timeout | null;
  readonly destroy: () => void;
}

/** Per-connection idle timers keyed by the session or socket object. */
export class IdleTracker {
  readonly #idleMs: number;
  readonly #entries = new Map<object, Entry>();

  constructor(idleMs: number) {
    this.#idleMs = idleMs;
  }

  /** Starts tracking a connection; `destroy` is called once it has been idle `idleMs`. */
  open(key: object, destroy: () => void): void {
    const entry: Entry = { active: 0, timer: null, destroy };
    this.#entries.set(key, entry);
    this.#arm(entry);
  }

  /** A request started on the connection: no idle timeout until it ends. */
  begin(key: object): void {
    const e = this.#entries.get(key);
    if (e === undefined) return;
    e.active++;
    if (e.timer !== null) clearTimeout(e.timer);
    e.timer = null;
  }

  /** A request on the connection finished (answered or aborted). */
  end(key: object): void {
    const e = this.#entries.get(key);
    if (e === undefined || e.active === 0) return;
    e.active--;
    if (e.active === 0) this.#arm(e);
  }

  /** The connection closed: forget it. */
  closed(key: object): void {
    const e = this.#entries.get(key);
    if (e?.timer) clearTimeout(e.timer);
    this.#entries.delete(key);
  }

  /** Connections tracked now. */
  get size(): number {
    return this.#entries.size;
  }

  #arm(e: Entry): void {
    if (e.timer !== null) clearTimeout(e.timer);
    e.timer = setTimeout(() => {
      e.timer = null;
      if (e.active === 0) e.destroy();
    }, this.#idleMs);
  }
}

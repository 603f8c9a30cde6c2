/**
 * Connection limits for the stream transports (TCP, DoT, DoH): a total cap and a cap per
 * source address, so one client (or one NAT) cannot hold every slot (RFC 7766 §6.2.2 asks
 * servers to manage their connection resources). One table may be shared by listeners.
 */

/** Options of `ConnectionTable`. */
export interface ConnectionLimits {
  /** Open connections allowed in total. Default 10 000. */
  readonly maxConnections?: number;
  /** Open connections allowed per source address. Default 64. */
  readonly maxConnectionsPerSource?: number;
}

/** Counts open connections per source address and refuses those over the limits. */
export class ConnectionTable {
  readonly #max: number;
  readonly #perSource: number;
  readonly #bySource = new Map<string, number>();
  #total = 0;

  constructor(limits: ConnectionLimits = {}) {
    this.#max = limits.maxConnections ?? 10_000;
    this.#perSource = limits.maxConnectionsPerSource ?? 64;
  }

  /** Takes a slot for `address`; false (and nothing taken) when a limit is reached. */
  tryAdd(address: string): boolean {
    const n = this.#bySource.get(address) ?? 0;
    if (this.#total >= this.#max || n >= this.#perSource) return false;
    this.#bySource.set(address, n + 1);
    this.#total++;
    return true;
  }

  /** Gives back a slot taken by `tryAdd`. */
  remove(address: string): void {
    const n = this.#bySource.get(address);
    if (n === undefined) return;
    if (n <= 1) this.#bySource.delete(address);
    else this.#bySource.set(address, n - 1);
    this.#total--;
  }

  /** Open connections, in total or from one address. */
  count(address?: string): number {
    return address === undefined ? this.#total : (this.#bySource.get(address) ?? 0);
  }
}

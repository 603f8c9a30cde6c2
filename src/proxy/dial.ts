/**
 * Connecting to an origin: the first address that accepts within the timeout. A refusal moves
 * on to the next address; the timeout covers the whole attempt.
 */
import net from 'node:net';
import { LinkReads, OriginLink } from './origin-pool.js';

/** A connected origin, or why there is none. */
export type DialResult =
  | { readonly ok: true; readonly socket: net.Socket; readonly address: string }
  | { readonly ok: false; readonly timeout: boolean; readonly message: string };

function attempt(
  address: string,
  port: number,
  signal: AbortSignal,
  onread: net.OnReadOpts | undefined,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const options = { host: address, port, allowHalfOpen: true, noDelay: true };
    const socket = net.connect(onread === undefined ? options : { ...options, onread });
    const abort = () => socket.destroy(new Error('timed out'));
    signal.addEventListener('abort', abort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', abort);
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', (err) => {
      signal.removeEventListener('abort', abort);
      reject(err);
    });
  });
}

/** Dials `addresses` in order on `port`; never throws. `onread`: net.connect's, for every attempt. */
export async function dial(
  addresses: readonly string[],
  port: number,
  timeoutMs: number,
  onread?: net.OnReadOpts,
): Promise<DialResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let last = 'no address to connect to';
  try {
    for (const address of addresses) {
      if (controller.signal.aborted) break;
      try {
        const socket = await attempt(address, port, controller.signal, onread);
        // Errors after connect are the relay's to handle; this keeps a late one from throwing.
        socket.on('error', () => {});
        return { ok: true, socket, address };
      } catch (err) {
        last = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      }
    }
  } finally {
    clearTimeout(timer);
  }
  if (controller.signal.aborted) {
    return { ok: false, timeout: true, message: `no answer within ${timeoutMs} ms` };
  }
  return { ok: false, timeout: false, message: last.toLowerCase() };
}

/** A connection failure, as the HTTP session answers it. */
export interface DialFailure {
  readonly status: 502 | 504;
  readonly kind: 'origin-timeout' | 'connect-failed';
  readonly message: string;
}

/** Dials a plaintext-HTTP origin as a poolable link. */
export async function dialLink(
  addresses: readonly string[],
  port: number,
  connectTimeoutMs: number,
): Promise<OriginLink | DialFailure> {
  const reads = new LinkReads();
  const r = await dial(addresses, port, connectTimeoutMs, reads.onread);
  if (r.ok) return new OriginLink(r.socket, r.address, port, reads);
  const message = `connecting to the origin on port ${port} failed: ${r.message}`;
  return r.timeout
    ? { status: 504, kind: 'origin-timeout', message }
    : { status: 502, kind: 'connect-failed', message };
}

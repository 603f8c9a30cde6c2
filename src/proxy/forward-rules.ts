/**
 * The rules of forwarding a plaintext request: which requests a listener forwards at all, how
 * the request body is framed, and when a request may be sent a second time.
 */
import type { Framing } from './framing.js';
import type { RequestHead } from './http-head.js';

/** RFC 9112 §6.3: the request body's framing, as the head reader found it. */
export function requestFraming(head: RequestHead): Framing {
  if (head.body === 'chunked') return { kind: 'chunked' };
  return head.body === 'length' ? { kind: 'length', length: head.contentLength } : { kind: 'none' };
}

// RFC 9110 §9.2.2: the idempotent methods.
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Why a request is not forwarded (400), or null: what each listener accepts. */
export function refusal(head: RequestHead, explicit: boolean): string | null {
  if (head.method === 'CONNECT') return explicit ? null : 'connect is served on the explicit proxy port only';
  if (explicit && head.form !== 'absolute')
    return `a proxy request needs an absolute http:// target, not "${head.path}"`;
  if (head.scheme === 'https') return 'https urls go through connect, the proxy does not open tls for you';
  return null;
}

/** A request being forwarded: enough to send it again once. */
export interface Forwarded {
  readonly head: RequestHead;
  readonly addresses: readonly string[];
  readonly port: number;
  /** The flow's bytes up before this request: a retry sends the head again but counts it once. */
  readonly bytesUpBefore: number;
  retried: boolean;
}

/**
 * RFC 9112 §9.3.1: a request that met a reused connection closing before any response byte
 * (`unanswered`, and a 502 rather than a timeout) may be sent again, once, on a new connection,
 * when its method is idempotent (RFC 9110 §9.2.2); only bodiless requests here, as a body is
 * not kept to be sent twice.
 */
export function mayRetry(f: Forwarded | null, status: number | null, unanswered: boolean, reused: boolean) {
  if (f === null || f.retried || status !== 502 || !unanswered || !reused) return false;
  return f.head.body === 'none' && IDEMPOTENT.has(f.head.method);
}

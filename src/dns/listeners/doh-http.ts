/**
 * The HTTP side of DoH (RFC 8484 §4.1): reading the query from a GET or a POST, and writing
 * the answer or a refusal. Works on HTTP/1.1 and HTTP/2 compatibility objects alike.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ListenerMetrics } from './contract.js';
import { DNS_MESSAGE, decodeDnsParam, isDnsMessageType, responseMaxAge } from './doh-message.js';

/** The parts of an HTTP/1.1 or HTTP/2 compatibility request this listener reads. */
export interface DohRequest {
  readonly method?: string;
  readonly url?: string;
  readonly headers: IncomingHttpHeaders;
  readonly httpVersionMajor: number;
  readonly socket: { remoteAddress?: string; remotePort?: number; remoteFamily?: string };
  on(event: 'data', cb: (chunk: Buffer) => void): unknown;
  on(event: 'end' | 'error' | 'aborted', cb: () => void): unknown;
}

/** The parts of a response this listener writes. */
export interface DohResponse {
  readonly headersSent: boolean;
  writeHead(status: number, headers: Record<string, string | number>): unknown;
  end(body: Buffer): unknown;
}

/** An HTTP refusal: status and a lowercase message quoting the bad input. */
export interface Refusal {
  readonly status: number;
  readonly message: string;
}

/** RFC 1035 §4.2.2 (and RFC 8484 §6): a DNS message is at most 65535 bytes. */
export const MAX_MESSAGE = 0xffff;

/** Quotes client input for a message, cut to 40 characters. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** RFC 8484 §4.1: the query from a GET's `dns` parameter. */
export function fromGet(url: string, qi: number): Buffer | Refusal {
  const param = qi < 0 ? null : new URLSearchParams(url.slice(qi + 1)).get('dns');
  if (param === null || param === '') return { status: 400, message: 'missing dns parameter' };
  const query = decodeDnsParam(param);
  if (query === null) return { status: 400, message: `dns parameter is not base64url: ${quote(param)}` };
  if (query.length > MAX_MESSAGE) return { status: 413, message: `dns message of ${query.length} bytes` };
  return query;
}

/** RFC 8484 §4.1: the query from a POST body, at most 65535 bytes, within `timeoutMs`. */
export function fromPost(req: DohRequest, timeoutMs: number): Promise<Buffer | Refusal> | Refusal {
  const type = req.headers['content-type'];
  if (!isDnsMessageType(type))
    return { status: 415, message: `content-type ${quote(type ?? '')} is not ${DNS_MESSAGE}` };
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_MESSAGE)
    return { status: 413, message: `content-length ${declared} over ${MAX_MESSAGE}` };
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    const finish = (v: Buffer | Refusal): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(v);
    };
    const timer = setTimeout(
      () => finish({ status: 408, message: 'request body not received in time' }),
      timeoutMs,
    );
    req.on('data', (chunk) => {
      total += chunk.length;
      if (total > MAX_MESSAGE) finish({ status: 413, message: `body over ${MAX_MESSAGE} bytes` });
      else if (!done) chunks.push(chunk);
    });
    req.on('end', () => finish(Buffer.concat(chunks, total)));
    req.on('aborted', () => finish({ status: 400, message: 'request aborted' }));
    req.on('error', () => finish({ status: 400, message: 'request failed' }));
  });
}

/** Sends a DNS answer: 200, `application/dns-message`, content-length, max-age (§5.1). */
export function sendDns(res: DohResponse, body: Buffer): void {
  res.writeHead(200, {
    'content-type': DNS_MESSAGE,
    'content-length': body.length,
    'cache-control': `max-age=${responseMaxAge(body)}`,
  });
  res.end(body);
}

/** Sends an HTTP refusal with a text body, content-length and `max-age=0`; counts it. */
export function refuse(req: DohRequest, res: DohResponse, r: Refusal, metrics: ListenerMetrics): void {
  metrics.onError('doh', 'http');
  if (res.headersSent) return;
  const body = Buffer.from(`${r.message}\n`);
  const headers: Record<string, string | number> = {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'max-age=0',
  };
  if (r.status === 405) headers.allow = 'GET, POST';
  // HTTP/1.1 only (HTTP/2 forbids the header): an unread body leaves the stream unusable.
  if (req.httpVersionMajor === 1 && (r.status === 413 || r.status === 408)) headers.connection = 'close';
  res.writeHead(r.status, headers);
  res.end(body);
}

/**
 * The one way the console talks to the control plane: JSON over fetch, same origin, cookies.
 * Unsafe methods carry the CSRF double-submit header (`x-csrf-token` = the `gh_csrf` cookie);
 * errors arrive as RFC 9457 problem+json and become `ApiError` with the GH_ERR_* code.
 */

/** An RFC 9457 problem answered by the API (or a network failure, code GH_ERR_CONSOLE_NETWORK). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  constructor(status: number, code: string, title: string, detail: string) {
    super(`${title}: ${detail}`);
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
  }
}

/** Called on every 401 so the shell can return to the sign-in page. */
let onUnauthorised: () => void = () => {};

/** Registers what to do when the session has ended (401 from any call). */
export function setUnauthorisedHandler(fn: () => void): void {
  onUnauthorised = fn;
}

function cookie(name: string): string {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return '';
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

async function problemOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const p = JSON.parse(text) as { title?: string; detail?: string; code?: string; message?: string };
    return new ApiError(
      res.status,
      p.code ?? `HTTP_${res.status}`,
      p.title ?? res.statusText,
      p.detail ?? p.message ?? '',
    );
  } catch {
    return new ApiError(
      res.status,
      `HTTP_${res.status}`,
      res.statusText || 'Request failed',
      text.slice(0, 300),
    );
  }
}

/** Sends one request to `/api…`; resolves with the parsed JSON body (undefined for 204). */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (UNSAFE.has(method)) headers['x-csrf-token'] = cookie('gh_csrf');
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'GH_ERR_CONSOLE_NETWORK', 'The control plane did not answer', String(e));
  }
  if (res.status === 401 && path !== '/api/session') onUnauthorised();
  if (!res.ok) throw await problemOf(res);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) return (await res.text()) as T;
  return (await res.json()) as T;
}

/** GET helper. */
export const get = <T>(path: string): Promise<T> => api<T>('GET', path);
/** POST helper. */
export const post = <T>(path: string, body: unknown = {}): Promise<T> => api<T>('POST', path, body);
/** DELETE helper. */
export const del = <T>(path: string): Promise<T> => api<T>('DELETE', path);

/** Builds a query string from the non-empty values. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

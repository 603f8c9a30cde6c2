/**
 * CSRF protection for an anonymous form (no session to bind to, and no cookie wanted): the form
 * carries a token the portal signed (HMAC-SHA256 over issue time and a random nonce), valid for a
 * while and spent on first use, so a page elsewhere cannot post on a visitor's behalf and one
 * token cannot be replayed to flood. The Origin check (`sameOrigin`) stops cross-site posts from
 * browsers that send Origin, as the OWASP CSRF cheat sheet recommends alongside tokens.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Issues and checks form tokens. */
export interface FormTokens {
  issue(): string;
  /** True once for a token this instance issued less than `maxAgeMs` ago; false otherwise. */
  spend(token: unknown): boolean;
}

/** Options: the signing key (random per process when absent) and the token lifetime. */
export interface FormTokenOptions {
  readonly key?: Uint8Array;
  readonly maxAgeMs?: number;
  readonly clock: () => number;
  /** Spent nonces remembered at most (older ones expire with their tokens anyway). */
  readonly maxSpent?: number;
}

const TOKEN = /^([A-Za-z0-9_-]{32})\.([A-Za-z0-9_-]{43})$/;

/** Creates a token issuer. */
export function createFormTokens(options: FormTokenOptions): FormTokens {
  const key = options.key ?? randomBytes(32);
  const maxAge = options.maxAgeMs ?? 2 * 3_600_000;
  const maxSpent = options.maxSpent ?? 100_000;
  const { clock } = options;
  // nonce → issue time; Map keeps insertion order, so the oldest are dropped first.
  const spent = new Map<string, number>();
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  return {
    issue() {
      const body = Buffer.alloc(24);
      body.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(clock()))), 0);
      randomBytes(16).copy(body, 8);
      const payload = body.toString('base64url');
      return `${payload}.${mac(payload)}`;
    },
    spend(token) {
      const m = typeof token === 'string' ? TOKEN.exec(token) : null;
      if (m === null) return false;
      const expected = Buffer.from(mac(m[1]));
      if (!timingSafeEqual(expected, Buffer.from(m[2]))) return false;
      const issued = Number(Buffer.from(m[1], 'base64url').readBigUInt64BE(0));
      const now = clock();
      if (issued > now + 60_000 || now - issued > maxAge) return false;
      if (spent.has(m[1])) return false;
      for (const [nonce, at] of spent) {
        if (spent.size < maxSpent && now - at <= maxAge) break;
        spent.delete(nonce);
      }
      spent.set(m[1], issued);
      return true;
    },
  };
}

/**
 * True unless the browser says the post came from elsewhere. Fetch Metadata first: `Sec-Fetch-Site`
 * `same-origin` passes, `cross-site` and `same-site` (a sibling host) do not. Without it, the
 * `Origin` (RFC 6454) must be this host's or the operator URL's; `Origin: null` fails. No header at
 * all (curl, old browsers) passes: the token still has to be right. Browsers send `Origin: null`
 * on same-origin posts from a `no-referrer` page, which is why Fetch Metadata is asked first.
 */
export function sameOrigin(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  host: string,
  operatorUrl: string,
): boolean {
  const site = headers['sec-fetch-site'];
  if (site === 'same-origin') return true;
  if (site === 'cross-site' || site === 'same-site') return false;
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (typeof origin !== 'string' || origin === 'null') return false;
  let operatorOrigin = '';
  try {
    operatorOrigin = new URL(operatorUrl).origin;
  } catch {
    // A malformed operator URL allows only this host.
  }
  return origin === operatorOrigin || origin === `http://${host}` || origin === `https://${host}`;
}

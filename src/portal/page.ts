/**
 * The portal's page frame and the words it uses for orders. Every page is plain semantic HTML with
 * one inline stylesheet (allowed by its hash in the CSP, so no `unsafe-inline`) and no script; every
 * dynamic value goes through `escapeHtml` before it reaches the markup.
 */
import { createHash } from 'node:crypto';
import type { Order, Scope } from '../policy/model.js';
import { escapeHtml } from './notice.js';

const e = escapeHtml;

const STYLE = `
:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#555;--line:#ccc;--accent:#0b5cad;--bad:#a4000f}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#161616;--muted:#aaa;--line:#444;--accent:#8cc4ff;--bad:#ff8a8a}}
*{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999em}
.skip:focus{left:1em;top:1em;background:var(--bg);padding:.5em}
header,main,footer{max-width:62em;margin:0 auto;padding:0 1em}
header{border-bottom:1px solid var(--line)}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:1em}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.95em}
th,td{text-align:left;vertical-align:top;padding:.4em .6em;border-bottom:1px solid var(--line)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1em}
dt{font-weight:600}
dd{margin:0}
@media (max-width:40em){dl{grid-template-columns:1fr}dd{margin-bottom:.5em}}
label{display:block;font-weight:600;margin-top:1em}
fieldset{border:1px solid var(--line);margin-top:1em}
fieldset label{font-weight:400;margin:0}
input,select,textarea{font:inherit;max-width:100%}
textarea{width:100%}
button{font:inherit;margin-top:1em;padding:.4em 1.2em}
.hint,.muted{color:var(--muted);font-size:.9em}
.error{color:var(--bad)}
.trap{position:absolute;left:-999em}
code{word-break:break-all}
footer{border-top:1px solid var(--line);margin-top:2em;color:var(--muted);font-size:.9em}
`;

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** Headers every portal response carries: no script may run, no one may frame it, nothing leaks. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; img-src 'self'; form-action 'self'; ` +
    "base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'interest-cohort=()',
};

/** A full page: `title` is plain text, `body` is markup the caller has escaped. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)} · Gatehouse public register</title>
<style>${STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<p><strong>Gatehouse</strong> public register</p>
<nav aria-label="Portal"><ul>
<li><a href="/">Orders</a></li>
<li><a href="/transparency">Transparency report</a></li>
<li><a href="/appeals/new">Appeal an order</a></li>
</ul></nav>
</header>
<main id="main">
${body}
</main>
<footer><p>Every block, throttle and filter this gateway applies traces to an order listed here.
Nothing on these pages identifies any person.</p></footer>
</body>
</html>
`;
}

/** An error page: the code is shown so a person can quote it, and is what tests match. */
export function errorPage(status: number, code: string, heading: string, text: string): string {
  return page(
    heading,
    `<h1>${e(heading)}</h1>\n<p>${e(text)}</p>\n<p class="muted">HTTP ${status}, error code <code id="error-code">${e(code)}</code></p>\n<p><a href="/">Back to the register of orders</a></p>`,
  );
}

/** `YYYY-MM-DD HH:MM UTC` (a page is read by people; the JSON carries full ISO times). */
export function date(ms: number | null): string {
  if (ms === null) return '—';
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** An ISO 8601 time without milliseconds. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

const AUTHORITY: Record<string, string> = {
  court: 'court',
  'independent-body': 'independent body',
  regulator: 'regulator',
  operator: 'network operator',
};

/** "Tallinn District Court (court)", escaped. */
export function authorityHtml(order: Pick<Order, 'authority'>): string {
  const a = order.authority;
  return `${e(a.name)} <span class="muted">(${e(AUTHORITY[a.kind] ?? a.kind)})</span>`;
}

/** Where the order applies, in words, escaped. */
export function scopeHtml(scope: Scope): string {
  if (scope.kind === 'national') return 'National';
  const names = scope.kind === 'isps' ? scope.isps : scope.groups;
  return `${scope.kind === 'isps' ? 'ISPs' : 'Groups'}: ${names.map(e).join(', ')}`;
}

/** What the order does, in words. */
export function actionText(action: Order['action']): string {
  if (action.kind === 'throttle')
    return `Throttle to ${action.bytesPerSecond.toLocaleString('en')} bytes per second`;
  const words: Record<string, string> = {
    block: 'Block',
    'safe-search': 'Enforce safe search',
    allow: 'Allow (an exception to other orders)',
    disconnect: 'Disconnect subscribers',
  };
  return words[action.kind] ?? action.kind;
}

/** The status a reader should see: an active order past its expiry has expired. */
export function publicStatus(order: Pick<Order, 'status' | 'expiresAt' | 'notBefore'>, now: number): string {
  if ((order.status === 'active' || order.status === 'suspended') && order.expiresAt <= now) return 'expired';
  if (order.status === 'active' && order.notBefore > now) return 'scheduled';
  return order.status;
}

/** True for an order the public may see (approved once, marked public). */
export function isListed(order: Order): boolean {
  return order.public && order.status !== 'draft' && order.status !== 'pending-approval';
}

/** True for an order that can still be appealed: listed, in force or suspended, not expired. */
export function isAppealable(order: Order, now: number): boolean {
  const status = publicStatus(order, now);
  return isListed(order) && (status === 'active' || status === 'suspended' || status === 'scheduled');
}

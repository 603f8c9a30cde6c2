/** The appeal form (`/appeals/new`) and an appeal's public status (`/appeals/:ref`). */
import type { Order } from '../policy/model.js';
import { APPEAL_LIMITS, type PublicAppeal } from '../store/appeals.js';
import { escapeHtml } from './notice.js';
import { date, page } from './page.js';

const e = escapeHtml;

/** What was typed into the form, kept when it is shown again with errors. */
export interface AppealFormValues {
  readonly order?: string;
  readonly appellant?: string;
  readonly contact?: string;
  readonly grounds?: string;
}

/** The form's state. */
export interface AppealFormState {
  /** The order appealed against, when chosen; else `choices` are offered. */
  readonly order: Order | null;
  readonly choices: readonly Order[];
  readonly token: string;
  readonly values?: AppealFormValues;
  /** A problem to show above the form. */
  readonly error?: string;
}

function orderField(state: AppealFormState): string {
  if (state.order !== null) {
    const o = state.order;
    return `<p>You are appealing against <a href="/orders/${o.id}">order ${o.id}: ${e(o.title)}</a>
(${e(o.authority.name)}, decision ${e(o.decisionRef)}).</p>
<input type="hidden" name="order" value="${o.id}">`;
  }
  const chosen = state.values?.order ?? '';
  const options = state.choices
    .map(
      (o) =>
        `<option value="${o.id}"${String(o.id) === chosen ? ' selected' : ''}>${o.id}: ${e(o.title)}</option>`,
    )
    .join('\n');
  return `<label for="order">The order you appeal against</label>
<select id="order" name="order" required>
<option value="">Choose an order</option>
${options}
</select>`;
}

function radio(value: string, label: string, checked: string | undefined): string {
  const on = checked === value ? ' checked' : '';
  return `<label><input type="radio" name="appellant" value="${value}" required${on}> ${label}</label>`;
}

/** The appeal form. */
export function appealFormPage(state: AppealFormState): string {
  const v = state.values ?? {};
  const error = state.error
    ? `<div role="alert" id="form-error"><p class="error"><strong>The appeal was not filed:</strong> ${e(state.error)}</p></div>`
    : '';
  return page(
    'Appeal an order',
    `<h1>Appeal an order</h1>
<p>If an order blocks your site, or blocks something you need, you can appeal. The people who decide
read it; the outcome appears on a page only you have the address of.</p>
${error}
<form method="post" action="/appeals" accept-charset="utf-8">
<input type="hidden" name="token" value="${e(state.token)}">
${orderField(state)}
<fieldset>
<legend>Who are you?</legend>
${radio('site-owner', 'I own or run a blocked site', v.appellant)}
${radio('user', 'I use the internet and cannot reach something', v.appellant)}
</fieldset>
<label for="grounds">Why the order is wrong, or should not apply to you</label>
<textarea id="grounds" name="grounds" rows="8" required maxlength="${APPEAL_LIMITS.grounds}" aria-describedby="grounds-hint">${e(v.grounds ?? '')}</textarea>
<p class="hint" id="grounds-hint">At most ${APPEAL_LIMITS.grounds.toLocaleString('en')} characters. Do not include personal details you do not want the decision-makers to read.</p>
<label for="contact">Your e-mail address (optional)</label>
<input id="contact" name="contact" type="email" autocomplete="email" maxlength="${APPEAL_LIMITS.contact}" value="${e(v.contact ?? '')}" aria-describedby="contact-hint">
<p class="hint" id="contact-hint">Only the people who decide the appeal see it, to write to you. It is never published.</p>
<div class="trap" aria-hidden="true"><label for="website">Leave this empty</label>
<input id="website" name="website" type="text" tabindex="-1" autocomplete="off"></div>
<button type="submit">File the appeal</button>
</form>`,
  );
}

const OUTCOME: Record<string, string> = {
  filed: 'Filed, awaiting a decision',
  upheld: 'Upheld: the appeal succeeded',
  rejected: 'Rejected: the appeal did not succeed',
};

/** An appeal's public status: never the contact, nor the grounds. */
export function appealStatusPage(appeal: PublicAppeal, order: Order | null): string {
  const orderText = order
    ? `<a href="/orders/${order.id}">${order.id}: ${e(order.title)}</a>`
    : String(appeal.orderId);
  const decision =
    appeal.status === 'filed'
      ? ''
      : `<dt>Decided</dt><dd>${date(appeal.decidedAt)}</dd>\n<dt>Reason</dt><dd>${e(appeal.reason ?? '')}</dd>`;
  return page(
    `Appeal ${appeal.ref}`,
    `<h1>Appeal <code>${e(appeal.ref)}</code></h1>
<p>Keep this page's address: it is the only way to follow the appeal, and nobody else is shown it.</p>
<dl>
<dt>Order</dt><dd>${orderText}</dd>
<dt>Filed by</dt><dd>${appeal.appellant === 'site-owner' ? 'the owner of a blocked site' : 'a user'}</dd>
<dt>Filed</dt><dd>${date(appeal.filedAt)}</dd>
<dt>Status</dt><dd id="status">${e(OUTCOME[appeal.status] ?? appeal.status)}</dd>
${decision}
</dl>
<p class="muted">The grounds and any contact address are kept for the people who decide and are not shown here.</p>`,
  );
}

/** One order: every field, its targets and lists, history, hit counts, notice, and the acts its status allows. */
import { useState } from 'react';
import { post } from '../api';
import type { ListInfo, Order, User } from '../types';
import { Choice, Field } from '../ui/field';
import { keyed } from '../ui/keys';
import { Busy, ErrorBox, Loaded, when } from '../ui/status';
import { useAction, useApi } from '../ui/use-api';
import { actionText, StatusBadge, scopeText } from './order-text';

interface Detail {
  order: Order;
  targets?: unknown[];
  lists?: unknown[];
  history?: unknown[];
  hits?: Record<string, number>;
  noticeUrl?: string;
}

type Act = 'submit' | 'approve' | 'activate' | 'suspend' | 'revoke';
const ACTS: Record<string, Act[]> = {
  draft: ['submit', 'revoke'],
  'pending-approval': ['approve', 'revoke'],
  active: ['suspend', 'revoke'],
  suspended: ['activate', 'revoke'],
};
const ACT_LABEL: Record<Act, string> = {
  submit: 'Submit for approval',
  approve: 'Approve (second person)',
  activate: 'Activate again',
  suspend: 'Suspend',
  revoke: 'Revoke',
};

/** Any value the API returns, as one readable line. */
function line(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.line === 'string') return o.line;
    if (typeof o.to === 'string')
      return `${when(Number(o.at))}: ${String(o.actor)}, ${String(o.from ?? 'created')} → ${o.to}`;
    if (typeof o.listId === 'number')
      return `list ${o.listId}, ${o.version === null ? 'latest version' : `version ${String(o.version)}`}, attached by ${String(o.attachedBy)} ${when(Number(o.attachedAt))}`;
    return Object.entries(o)
      .map(
        ([k, x]) =>
          `${k}: ${typeof x === 'number' && k.toLowerCase().endsWith('at') ? when(x) : typeof x === 'object' ? JSON.stringify(x) : String(x)}`,
      )
      .join(', ');
  }
  return String(v);
}

function AttachList({ orderId, onDone }: { orderId: number; onDone: () => void }) {
  const lists = useApi<{ lists: ListInfo[] }>('/api/lists');
  const [listId, setListId] = useState('');
  const [version, setVersion] = useState('');
  const { busy, error, run } = useAction();
  const attach = async () => {
    const body: Record<string, number> = { listId: Number(listId) };
    if (version !== '') body.version = Number(version);
    if (await run(() => post(`/api/orders/${orderId}/lists`, body))) onDone();
  };
  return (
    <section aria-labelledby="attach-h" className="card">
      <h2 id="attach-h">Attach a list</h2>
      <Loaded res={lists} what="lists">
        {(d) =>
          d.lists.length === 0 ? (
            <p className="note">No lists yet. Create one on the Lists page.</p>
          ) : (
            <div className="row filters">
              <Choice
                label="List"
                value={listId}
                onChange={setListId}
                options={[
                  ['', 'choose…'],
                  ...d.lists.map((l) => [String(l.id), `${l.name} (${l.format})`] as [string, string]),
                ]}
              />
              <Field
                label="Version"
                value={version}
                onChange={setVersion}
                type="number"
                hint="Empty: the latest"
              />
              <button type="button" onClick={attach} disabled={busy || listId === ''}>
                Attach
              </button>
            </div>
          )
        }
      </Loaded>
      {error ? <ErrorBox error={error} what="attach the list" /> : null}
    </section>
  );
}

function Actions({ order, user, onDone }: { order: Order; user: User; onDone: () => void }) {
  const { busy, error, run } = useAction();
  const [done, setDone] = useState('');
  const acts = ACTS[order.status] ?? [];
  const self = order.createdBy.toLowerCase() === user.name.toLowerCase();
  const act = async (a: Act) => {
    if (a === 'revoke' && !window.confirm(`Revoke order ${order.id}? This cannot be undone.`)) return;
    const res = await run(() => post<{ order: Order }>(`/api/orders/${order.id}/${a}`));
    if (res) {
      setDone(`Order ${order.id} is now ${res.order?.status ?? 'updated'}.`);
      onDone();
    }
  };
  if (acts.length === 0)
    return <p className="note">No acts are possible on an order that is {order.status}.</p>;
  return (
    <section aria-labelledby="acts-h">
      <h2 id="acts-h">Acts</h2>
      {self && (order.status === 'pending-approval' || order.status === 'suspended') ? (
        <p className="note">
          You created this order: a second, different person must approve or activate it.
        </p>
      ) : null}
      <div className="row">
        {acts.map((a) => (
          <button
            key={a}
            type="button"
            className={a === 'revoke' ? 'danger' : undefined}
            disabled={busy || ((a === 'approve' || a === 'activate') && self)}
            onClick={() => act(a)}
          >
            {ACT_LABEL[a]}
          </button>
        ))}
      </div>
      {busy ? <Busy label="Working…" /> : null}
      <p role="status" aria-live="polite">
        {done}
      </p>
      {error ? <ErrorBox error={error} what="do that" /> : null}
    </section>
  );
}

function Body({ d, user, reload }: { d: Detail; user: User; reload: () => void }) {
  const o = d.order;
  const hits = d.hits ?? o.hits ?? {};
  const notice = d.noticeUrl ?? `/notices/${o.id}`;
  return (
    <div className="stack">
      <h1>
        Order {o.id}: {o.title} <StatusBadge status={o.status} />
      </h1>
      <dl className="facts">
        <dt>Authority</dt>
        <dd>
          {o.authority.name} ({o.authority.kind})
        </dd>
        <dt>Legal basis</dt>
        <dd>
          {o.legalBasis.instrument}, {o.legalBasis.article}
        </dd>
        <dt>Decision reference</dt>
        <dd>{o.decisionRef}</dd>
        <dt>Action</dt>
        <dd>{actionText(o.action)}</dd>
        <dt>Scope</dt>
        <dd>{scopeText(o.scope)}</dd>
        <dt>Disclosure</dt>
        <dd>
          EDE {o.disclosure.infoCode}, DNS answer {o.disclosure.dnsAnswer}. “{o.disclosure.notice}” Appeal:{' '}
          {o.disclosure.appeal.join(', ')}
        </dd>
        <dt>Period</dt>
        <dd>
          {when(o.notBefore)} to {when(o.expiresAt)}
        </dd>
        <dt>Public</dt>
        <dd>{o.public ? 'yes, in the transparency register' : 'no'}</dd>
        <dt>Created</dt>
        <dd>
          by {o.createdBy}, {when(o.createdAt)}
        </dd>
        <dt>Approved</dt>
        <dd>{o.approvedBy ? `by ${o.approvedBy}, ${when(o.approvedAt)}` : 'not yet'}</dd>
        <dt>Hits</dt>
        <dd data-testid="hits">
          {Object.entries(hits).length === 0
            ? 'none yet'
            : Object.entries(hits)
                .map(([k, n]) => `${k.toUpperCase()} ${Number(n).toLocaleString()}`)
                .join(', ')}{' '}
          (counts only, no identities)
        </dd>
        <dt>Public notice</dt>
        <dd>
          <a href={notice}>{notice}</a>
        </dd>
      </dl>
      <Actions order={o} user={user} onDone={reload} />
      <section aria-labelledby="targets-h">
        <h2 id="targets-h">Targets ({d.targets?.length ?? 0})</h2>
        {d.targets && d.targets.length > 0 ? (
          <ul className="mono">
            {keyed(d.targets.slice(0, 500).map(line)).map(([k, text]) => (
              <li key={k}>{text}</li>
            ))}
          </ul>
        ) : (
          <p className="note">No targets of its own.</p>
        )}
        {d.targets && d.targets.length > 500 ? <p className="note">First 500 shown.</p> : null}
      </section>
      <section aria-labelledby="lists-h">
        <h2 id="lists-h">Attached lists</h2>
        {d.lists && d.lists.length > 0 ? (
          <ul>
            {keyed(d.lists.map(line)).map(([k, text]) => (
              <li key={k}>{text}</li>
            ))}
          </ul>
        ) : (
          <p className="note">None.</p>
        )}
      </section>
      {o.status === 'draft' ? <AttachList orderId={o.id} onDone={reload} /> : null}
      <section aria-labelledby="history-h">
        <h2 id="history-h">History</h2>
        {d.history && d.history.length > 0 ? (
          <ol>
            {keyed(d.history.map(line)).map(([k, text]) => (
              <li key={k}>{text}</li>
            ))}
          </ol>
        ) : (
          <p className="note">No history.</p>
        )}
      </section>
    </div>
  );
}

/** The order page. */
export function OrderDetail({ id, user }: { id: string; user: User }) {
  const res = useApi<Detail>(`/api/orders/${encodeURIComponent(id)}`);
  return (
    <Loaded res={res} what={`order ${id}`}>
      {(d) => <Body d={d} user={user} reload={res.reload} />}
    </Loaded>
  );
}

/** Orders: pending approvals first, then every order, filtered by status and text. */
import { type FormEvent, useState } from 'react';
import { query } from '../api';
import { href, navigate, type Route } from '../route';
import type { Order, User } from '../types';
import { Choice, Field } from '../ui/field';
import { Loaded, when } from '../ui/status';
import { useApi } from '../ui/use-api';
import { actionText, hitTotal, StatusBadge, scopeText } from './order-text';

const STATUSES = ['', 'draft', 'pending-approval', 'active', 'suspended', 'expired', 'revoked'];

function OrderTable({ orders, caption }: { orders: Order[]; caption: string }) {
  if (orders.length === 0) return <p className="note">No orders.</p>;
  return (
    <div className="scroll">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Title</th>
            <th scope="col">Status</th>
            <th scope="col">Action</th>
            <th scope="col">Scope</th>
            <th scope="col">Authority</th>
            <th scope="col">Expires</th>
            <th scope="col">Hits</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((o) => (
            <tr key={o.id}>
              <td>{o.id}</td>
              <td>
                <a href={href(`/orders/${o.id}`)}>{o.title}</a>
              </td>
              <td>
                <StatusBadge status={o.status} />
              </td>
              <td>{actionText(o.action)}</td>
              <td>{scopeText(o.scope)}</td>
              <td>{o.authority.name}</td>
              <td>{when(o.expiresAt)}</td>
              <td>{hitTotal(o).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The orders page. */
export function Orders({ route, user }: { route: Route; user: User }) {
  const status = route.params.get('status') ?? '';
  const q = route.params.get('q') ?? '';
  const [s, setS] = useState(status);
  const [text, setText] = useState(q);
  const all = useApi<{ orders: Order[] }>(`/api/orders${query({ status, q })}`);
  const pending = useApi<{ orders: Order[] }>('/api/orders?status=pending-approval');
  const canCreate = user.roles.some((r) => r === 'admin' || r === 'operator');

  const filter = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/orders${query({ status: s, q: text })}`);
  };

  return (
    <div className="stack">
      <div className="row spread">
        <h1>Orders</h1>
        {canCreate ? (
          <a className="button" href={href('/orders/new')}>
            New order
          </a>
        ) : null}
      </div>
      <section aria-labelledby="pending-h">
        <h2 id="pending-h">Waiting for approval</h2>
        <Loaded res={pending} what="pending orders">
          {(d) => (
            <>
              <p className="note">
                An order is approved by an approver who did not create it.
                {user.roles.includes('approver') ? ' You can approve orders others created.' : ''}
              </p>
              <OrderTable orders={d.orders} caption="Orders waiting for a second person" />
            </>
          )}
        </Loaded>
      </section>
      <section aria-labelledby="all-h">
        <h2 id="all-h">All orders</h2>
        <form className="row filters" onSubmit={filter} aria-label="Filter orders">
          <Choice
            label="Status"
            value={s}
            onChange={setS}
            options={STATUSES.map((x) => [x, x === '' ? 'any' : x] as [string, string])}
          />
          <Field label="Text" value={text} onChange={setText} hint="Title, authority or decision reference" />
          <button type="submit">Filter</button>
        </form>
        <Loaded res={all} what="orders">
          {(d) => <OrderTable orders={d.orders} caption={`${d.orders.length} orders`} />}
        </Loaded>
      </section>
    </div>
  );
}

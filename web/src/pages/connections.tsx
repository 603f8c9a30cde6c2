/** Live proxied connections of this node, and ending those an order in force covers. */
import { type FormEvent, useState } from 'react';
import { post } from '../api';
import { DataTable, rowsOf } from '../ui/data-table';
import { Field } from '../ui/field';
import { Busy, ErrorBox, Loaded } from '../ui/status';
import { useAction, useApi } from '../ui/use-api';

/** The connections page; the list refreshes every 5 seconds. */
export function Connections() {
  const res = useApi<unknown>('/api/connections', 5000);
  const [orderId, setOrderId] = useState('');
  const [done, setDone] = useState('');
  const { busy, error, run } = useAction();
  const end = async (e: FormEvent) => {
    e.preventDefault();
    const out = await run(() =>
      post<Record<string, unknown>>('/api/connections/end', { orderId: Number(orderId) }),
    );
    if (out) {
      setDone(`Ended: ${JSON.stringify(out)}`);
      res.reload();
    }
  };
  return (
    <div className="stack">
      <h1>Live connections</h1>
      <Loaded res={res} what="connections">
        {(d) => (
          <DataTable rows={rowsOf(d, 'connections')} caption="Open connections (refreshed every 5 s)" />
        )}
      </Loaded>
      <form className="card" onSubmit={end} aria-labelledby="end-h">
        <h2 id="end-h">End connections</h2>
        <p className="note">Only ever citing an order in force: the connections it covers are closed.</p>
        <Field label="Order id" type="number" value={orderId} onChange={setOrderId} required />
        <button type="submit" className="danger" disabled={busy}>
          End connections
        </button>
        {busy ? <Busy label="Ending…" /> : null}
        <p role="status" aria-live="polite">
          {done}
        </p>
        {error ? <ErrorBox error={error} what="end the connections" /> : null}
      </form>
    </div>
  );
}

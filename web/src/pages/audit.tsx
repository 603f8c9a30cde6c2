/** The audit log: entries (filter by object and actor), the chain's verification status and its head. */
import { type FormEvent, useState } from 'react';
import { query } from '../api';
import { navigate, type Route } from '../route';
import { cellText, DataTable, rowsOf } from '../ui/data-table';
import { Field } from '../ui/field';
import { Loaded } from '../ui/status';
import { useApi } from '../ui/use-api';

const LATEST = 200;

function Facts({ data }: { data: unknown }) {
  const o = (data && typeof data === 'object' ? data : { value: data }) as Record<string, unknown>;
  return (
    <dl className="facts">
      {Object.entries(o).map(([k, v]) => (
        <div key={k} className="fact">
          <dt>{k}</dt>
          <dd className="wrap">{cellText(k, v)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The audit page. */
export function Audit({ route }: { route: Route }) {
  const object = route.params.get('object') ?? '';
  const actor = route.params.get('actor') ?? '';
  const [o, setO] = useState(object);
  const [a, setA] = useState(actor);
  const head = useApi<{ seq?: number }>('/api/audit/head');
  const verify = useApi<Record<string, unknown>>('/api/audit/verify');
  // Entries come oldest first from `after`: start LATEST before the head, when there is no filter.
  const seq = head.data?.seq;
  const after = object === '' && actor === '' && seq !== undefined ? Math.max(0, seq - LATEST) : undefined;
  const ready = head.data !== undefined || head.error !== undefined;
  const entries = useApi<unknown>(ready ? `/api/audit${query({ object, actor, after, limit: 1000 })}` : null);
  const filter = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/audit${query({ object: o, actor: a })}`);
  };
  return (
    <div className="stack">
      <h1>Audit log</h1>
      <section aria-labelledby="verify-h" className="card">
        <h2 id="verify-h">Verification</h2>
        <Loaded res={verify} what="the verification">
          {(v) => (
            <>
              <p role="status" className={v.ok === false ? 'bad' : 'good'} data-testid="audit-verify">
                {v.ok === false
                  ? 'The chain is BROKEN.'
                  : v.ok === true
                    ? 'The hash chain verifies.'
                    : 'Verification result:'}
              </p>
              <Facts data={v} />
            </>
          )}
        </Loaded>
        <h2>Head</h2>
        <Loaded res={head} what="the head">
          {(h) => <Facts data={h} />}
        </Loaded>
      </section>
      <form className="row filters" onSubmit={filter} aria-label="Filter the audit log">
        <Field label="Object" value={o} onChange={setO} hint="For example order/2" />
        <Field label="Actor" value={a} onChange={setA} />
        <button type="submit">Filter</button>
      </form>
      <Loaded res={entries} what="audit entries">
        {(d) => (
          <DataTable
            rows={rowsOf(d, 'entries').slice().reverse()}
            caption="Latest entries"
            columns={['seq', 'time', 'actor', 'action', 'object', 'details']}
            render={{
              time: (r) => cellText('At', r.time),
              details: (r) => <code className="wrap">{cellText('details', r.details)}</code>,
            }}
          />
        )}
      </Loaded>
    </div>
  );
}

/** Warrants (lawful access to records): the list, notification due dates, and the request form. */
import { type FormEvent, useState } from 'react';
import { post } from '../api';
import { href, navigate } from '../route';
import { DataTable, rowsOf } from '../ui/data-table';
import { Area, Choice, Field, Group } from '../ui/field';
import { Busy, ErrorBox, Loaded } from '../ui/status';
import { useAction, useApi } from '../ui/use-api';

const link = (r: Record<string, unknown>) => <a href={href(`/warrants/${String(r.id)}`)}>{String(r.id)}</a>;

function RequestForm() {
  const [f, setF] = useState({
    authority: '',
    reference: '',
    crimeCategory: '',
    kind: 'subscriber',
    isp: '',
    value: '',
    from: '',
    to: '',
    justification: '',
    urgency: 'normal',
  });
  const set = (k: keyof typeof f) => (v: string) => setF((o) => ({ ...o, [k]: v }));
  const { busy, error, run } = useAction();
  const target = (): Record<string, string> => {
    if (f.kind === 'subscriber') return { kind: 'subscriber', isp: f.isp, subscriber: f.value };
    if (f.kind === 'pseudonym') return { kind: 'pseudonym', pseudonym: f.value };
    if (f.kind === 'destination') return { kind: 'destination', name: f.value };
    return { kind: 'address', address: f.value };
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const out = await run(() =>
      post<{ warrant: { id: number } }>('/api/warrants', {
        authority: f.authority,
        reference: f.reference,
        crimeCategory: f.crimeCategory,
        target: target(),
        from: Date.parse(f.from),
        to: Date.parse(f.to),
        justification: f.justification,
        urgency: f.urgency,
      }),
    );
    if (out?.warrant) navigate(`/warrants/${out.warrant.id}`);
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="req-h">
      <h2 id="req-h">Request a warrant</h2>
      <Field label="Requesting authority" value={f.authority} onChange={set('authority')} required />
      <Field label="Authorisation reference" value={f.reference} onChange={set('reference')} required />
      <Field
        label="Crime category"
        value={f.crimeCategory}
        onChange={set('crimeCategory')}
        hint="One of the categories the configuration allows"
        required
      />
      <Group legend="Target">
        <Choice
          label="Kind"
          value={f.kind}
          onChange={set('kind')}
          options={['subscriber', 'pseudonym', 'destination', 'address']}
        />
        {f.kind === 'subscriber' ? <Field label="ISP" value={f.isp} onChange={set('isp')} required /> : null}
        <Field
          label={
            {
              subscriber: 'Subscriber id',
              pseudonym: 'Pseudonym',
              destination: 'Destination name',
              address: 'Client address',
            }[f.kind] ?? 'Value'
          }
          value={f.value}
          onChange={set('value')}
          required
        />
      </Group>
      <Group legend="Window">
        <Field label="From" type="datetime-local" value={f.from} onChange={set('from')} required />
        <Field label="To" type="datetime-local" value={f.to} onChange={set('to')} required />
      </Group>
      <Area label="Justification" value={f.justification} onChange={set('justification')} required />
      <Choice
        label="Urgency"
        value={f.urgency}
        onChange={set('urgency')}
        options={['normal', 'urgent']}
        hint="Urgent: may be executed before approval, then must be reviewed"
      />
      <button type="submit" disabled={busy}>
        Request
      </button>
      {busy ? <Busy label="Sending…" /> : null}
      {error ? <ErrorBox error={error} what="request the warrant" /> : null}
    </form>
  );
}

/** The warrants page. */
export function Warrants() {
  const res = useApi<unknown>('/api/warrants');
  const due = useApi<unknown>('/api/warrants/notifications?overdue=1');
  const cols = [
    'id',
    'status',
    'authority',
    'reference',
    'crimeCategory',
    'urgency',
    'requestedBy',
    'requestedAt',
    'notifyDue',
  ];
  return (
    <div className="stack">
      <h1>Warrants</h1>
      <section aria-labelledby="w-h">
        <h2 id="w-h">All warrants</h2>
        <Loaded res={res} what="warrants">
          {(d) => (
            <DataTable rows={rowsOf(d, 'warrants')} caption="Warrants" columns={cols} render={{ id: link }} />
          )}
        </Loaded>
      </section>
      <section aria-labelledby="n-h">
        <h2 id="n-h">Notifications overdue</h2>
        <Loaded res={due} what="notification due dates">
          {(d) => (
            <DataTable
              rows={rowsOf(d, 'warrants')}
              caption="People to be notified whose date has passed"
              columns={['id', 'authority', 'reference', 'notifyDue', 'notifiedAt']}
              render={{ id: link }}
            />
          )}
        </Loaded>
      </section>
      <RequestForm />
    </div>
  );
}

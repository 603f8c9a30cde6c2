/** Subscribers (an ISP's users; admins see every ISP): search and import. */
import { type FormEvent, useState } from 'react';
import { post, query } from '../api';
import type { User } from '../types';
import { DataTable, rowsOf } from '../ui/data-table';
import { Area, Choice, Field } from '../ui/field';
import { Busy, ErrorBox, Loaded } from '../ui/status';
import { useAction, useApi } from '../ui/use-api';

/** The subscribers page. */
export function Subscribers({ user }: { user: User }) {
  const [q, setQ] = useState('');
  const [path, setPath] = useState('/api/subscribers');
  const res = useApi<unknown>(path);
  const [format, setFormat] = useState('csv');
  const [body, setBody] = useState('');
  const [isp, setIsp] = useState('');
  const [done, setDone] = useState('');
  const { busy, error, run } = useAction();

  const search = (e: FormEvent) => {
    e.preventDefault();
    setPath(`/api/subscribers${query({ q })}`);
  };
  const upload = async (e: FormEvent) => {
    e.preventDefault();
    const out = await run(() =>
      post<Record<string, unknown>>(
        '/api/subscribers/import',
        isp.trim() ? { format, body, isp: isp.trim() } : { format, body },
      ),
    );
    if (out) {
      setDone(`Imported: ${JSON.stringify(out)}`);
      res.reload();
    }
  };
  return (
    <div className="stack">
      <h1>Subscribers{user.isp ? ` of ${user.isp}` : ''}</h1>
      <form className="row filters" onSubmit={search} aria-label="Search subscribers">
        <Field label="Search" value={q} onChange={setQ} hint="Subscriber id, address or name" />
        <button type="submit">Search</button>
      </form>
      <Loaded res={res} what="subscribers">
        {(d) => <DataTable rows={rowsOf(d, 'subscribers')} caption="Subscribers" />}
      </Loaded>
      <form className="card" onSubmit={upload} aria-labelledby="imp-h">
        <h2 id="imp-h">Import subscribers</h2>
        {user.isp ? null : (
          <Field label="ISP" value={isp} onChange={setIsp} hint="Whose subscribers these are" required />
        )}
        <Choice label="Format" value={format} onChange={setFormat} options={['csv', 'json']} />
        <Area label="Contents" value={body} onChange={setBody} rows={6} required />
        <button type="submit" disabled={busy}>
          Import
        </button>
        {busy ? <Busy label="Importing…" /> : null}
        <p role="status" aria-live="polite">
          {done}
        </p>
        {error ? <ErrorBox error={error} what="import the subscribers" /> : null}
      </form>
    </div>
  );
}

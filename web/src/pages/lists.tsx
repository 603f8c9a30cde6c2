/** Lists: the imported feeds and hand-kept lists that draft orders can carry. */
import { type FormEvent, useState } from 'react';
import { post } from '../api';
import { href, navigate } from '../route';
import type { ListInfo } from '../types';
import { Choice, Field } from '../ui/field';
import { Busy, ErrorBox, Loaded, when } from '../ui/status';
import { useAction, useApi } from '../ui/use-api';

/** The import formats (src/policy/formats/), with what each is. */
export const FORMATS: [string, string][] = [
  ['domains', 'domains (one name per line)'],
  ['hosts', 'hosts file (0.0.0.0 name)'],
  ['adblock', 'adblock DNS syntax (||name^)'],
  ['rpz', 'RPZ zone file'],
  ['citizenlab', 'Citizen Lab CSV'],
];

/** The lists page. */
export function Lists() {
  const res = useApi<{ lists: ListInfo[] }>('/api/lists');
  const [name, setName] = useState('');
  const [format, setFormat] = useState('domains');
  const { busy, error, run } = useAction();

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const out = await run(() => post<{ list: ListInfo }>('/api/lists', { name: name.trim(), format }));
    if (out) navigate(`/lists/${out.list.id}`);
  };

  return (
    <div className="stack">
      <h1>Lists</h1>
      <Loaded res={res} what="lists">
        {(d) =>
          d.lists.length === 0 ? (
            <p className="note">No lists yet.</p>
          ) : (
            <div className="scroll">
              <table>
                <caption>{d.lists.length} lists</caption>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Name</th>
                    <th scope="col">Format</th>
                    <th scope="col">Created by</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {d.lists.map((l) => (
                    <tr key={l.id}>
                      <td>{l.id}</td>
                      <td>
                        <a href={href(`/lists/${l.id}`)}>{l.name}</a>
                      </td>
                      <td>{l.format}</td>
                      <td>{String(l.createdBy ?? '—')}</td>
                      <td>{typeof l.createdAt === 'number' ? when(l.createdAt) : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      <form className="card" onSubmit={create} aria-labelledby="new-list-h">
        <h2 id="new-list-h">New list</h2>
        <Field label="Name" name="listName" value={name} onChange={setName} required />
        <Choice label="Format" name="listFormat" value={format} onChange={setFormat} options={FORMATS} />
        <button type="submit" disabled={busy}>
          Create list
        </button>
        {busy ? <Busy label="Creating…" /> : null}
        {error ? <ErrorBox error={error} what="create the list" /> : null}
      </form>
    </div>
  );
}

/** API tokens for automation: create (the token is shown once), list, revoke. */
import { type FormEvent, useState } from 'react';
import { del, post } from '../api';
import type { User } from '../types';
import { DataTable, rowsOf } from '../ui/data-table';
import { Choice, Field } from '../ui/field';
import { Busy, ErrorBox, Loaded } from '../ui/status';
import { useAction, useApi } from '../ui/use-api';

/** The tokens page. */
export function Tokens({ user }: { user: User }) {
  const res = useApi<unknown>('/api/tokens');
  const [name, setName] = useState('');
  const [role, setRole] = useState<string>(user.roles[0] ?? '');
  const [token, setToken] = useState('');
  const { busy, error, run } = useAction();

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const out = await run(() =>
      post<{ token: string | { token?: string } }>('/api/tokens', { name: name.trim(), role }),
    );
    if (out) {
      const t = typeof out.token === 'string' ? out.token : (out.token?.token ?? JSON.stringify(out));
      setToken(t);
      res.reload();
    }
  };
  const revoke = async (id: string) => {
    if (await run(() => del(`/api/tokens/${encodeURIComponent(id)}`))) res.reload();
  };

  return (
    <div className="stack">
      <h1>API tokens</h1>
      <Loaded res={res} what="tokens">
        {(d) => (
          <DataTable
            rows={rowsOf(d, 'tokens')}
            caption="Tokens (only their names and roles are kept visible)"
            columns={['id', 'label', 'role', 'name', 'createdAt', 'lastUsedAt', 'revokedAt']}
            actions={(r) =>
              r.revokedAt ? null : (
                <button type="button" className="danger" onClick={() => revoke(String(r.id))}>
                  Revoke
                </button>
              )
            }
          />
        )}
      </Loaded>
      <form className="card" onSubmit={create} aria-labelledby="nt-h">
        <h2 id="nt-h">New token</h2>
        <Field
          label="Name"
          value={name}
          onChange={setName}
          hint="What will use it, e.g. feed-importer"
          required
        />
        <Choice
          label="Role"
          value={role}
          onChange={setRole}
          options={user.roles}
          hint="A token acts with one of your own roles"
        />
        <button type="submit" disabled={busy}>
          Create token
        </button>
        {busy ? <Busy label="Working…" /> : null}
        {error ? <ErrorBox error={error} what="change the tokens" /> : null}
      </form>
      {token ? (
        <section className="card" role="status" aria-live="polite">
          <h2>Token created</h2>
          <p>
            Copy it now; it is not shown again: <code className="wrap">{token}</code>
          </p>
        </section>
      ) : null}
    </div>
  );
}

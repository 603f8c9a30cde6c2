/** Users (admin): create with roles (a one-time password is shown once), and remove. */
import { type FormEvent, useId, useState } from 'react';
import { del, post } from '../api';
import type { Role } from '../types';
import { DataTable, rowsOf } from '../ui/data-table';
import { Field, Group } from '../ui/field';
import { Busy, ErrorBox, Loaded } from '../ui/status';
import { useAction, useApi } from '../ui/use-api';

const ROLES: Role[] = ['admin', 'operator', 'approver', 'isp', 'auditor'];

function RoleBox({
  role,
  checked,
  onChange,
}: {
  role: Role;
  checked: boolean;
  onChange: (v: boolean) => void;
}) {
  const id = useId();
  return (
    <div className="check">
      <input
        id={id}
        type="checkbox"
        name={`role-${role}`}
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
      />
      <label htmlFor={id}>{role}</label>
    </div>
  );
}

/** The users page. */
export function Users() {
  const res = useApi<unknown>('/api/users');
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<Role[]>(['operator']);
  const [isp, setIsp] = useState('');
  const [created, setCreated] = useState<{ name: string; password: string }>();
  const { busy, error, run } = useAction();

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, unknown> = { name: name.trim(), roles };
    if (roles.includes('isp')) body.isp = isp.trim();
    const out = await run(() =>
      post<{ user: { name: string }; oneTimePassword: string }>('/api/users', body),
    );
    if (out) {
      setCreated({ name: out.user.name, password: out.oneTimePassword });
      setName('');
      res.reload();
    }
  };
  const remove = async (n: string) => {
    if (!window.confirm(`Remove user ${n}?`)) return;
    if (await run(() => del(`/api/users/${encodeURIComponent(n)}`))) res.reload();
  };

  return (
    <div className="stack">
      <h1>Users</h1>
      <Loaded res={res} what="users">
        {(d) => (
          <DataTable
            rows={rowsOf(d, 'users')}
            caption="Console users"
            columns={['name', 'roles', 'isp', 'mfa', 'createdAt']}
            actions={(r) => (
              <button type="button" className="danger" onClick={() => remove(String(r.name))}>
                Remove
              </button>
            )}
          />
        )}
      </Loaded>
      <form className="card" onSubmit={create} aria-labelledby="nu-h">
        <h2 id="nu-h">New user</h2>
        <Field label="Name" name="newUserName" value={name} onChange={setName} required />
        <Group legend="Roles">
          {ROLES.map((r) => (
            <RoleBox
              key={r}
              role={r}
              checked={roles.includes(r)}
              onChange={(on) => setRoles((old) => (on ? [...old, r] : old.filter((x) => x !== r)))}
            />
          ))}
        </Group>
        {roles.includes('isp') ? (
          <Field label="ISP" name="newUserIsp" value={isp} onChange={setIsp} required />
        ) : null}
        <button type="submit" disabled={busy}>
          Create user
        </button>
        {busy ? <Busy label="Working…" /> : null}
        {error ? <ErrorBox error={error} what="change the users" /> : null}
      </form>
      {created ? (
        <section className="card" role="status" aria-live="polite">
          <h2>User {created.name} created</h2>
          <p>
            One-time password (shown only now; they must change it at first sign-in):{' '}
            <code data-testid="one-time-password">{created.password}</code>
          </p>
        </section>
      ) : null}
    </div>
  );
}

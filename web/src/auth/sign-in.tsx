/** Sign-in: name and password, plus a TOTP or recovery code for accounts that have enrolled one. */
import { type FormEvent, useState } from 'react';
import { post } from '../api';
import type { User } from '../types';
import { Field } from '../ui/field';
import { Busy, ErrorBox } from '../ui/status';
import { useAction } from '../ui/use-api';

/** The sign-in page. */
export function SignIn({ onSignedIn }: { onSignedIn: (user: User) => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const { busy, error, run } = useAction();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const c = code.replace(/\s+/g, '');
    const body: Record<string, string> = { name, password };
    // Six digits are a TOTP code (RFC 6238); anything else typed there is a recovery code.
    if (/^\d{6}$/.test(c)) body.totp = c;
    else if (c !== '') body.recoveryCode = code.trim();
    const res = await run(() => post<{ user: User }>('/api/session', body));
    if (res) onSignedIn(res.user);
  };

  return (
    <main className="centre" id="main">
      <h1>Gatehouse console</h1>
      <form onSubmit={submit} className="card" aria-label="Sign in">
        <h2>Sign in</h2>
        <Field label="Name" name="name" value={name} onChange={setName} autoComplete="username" required />
        <Field
          label="Password"
          name="password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="current-password"
          required
        />
        <Field
          label="Authenticator code or recovery code"
          name="code"
          value={code}
          onChange={setCode}
          autoComplete="one-time-code"
          hint="Needed once your account has enrolled an authenticator: the 6 digits it shows, or one of your recovery codes."
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {busy ? <Busy label="Signing in…" /> : null}
        {error ? <ErrorBox error={error} what="sign in" /> : null}
      </form>
      <p>
        The public register of orders is at <a href="/">the transparency portal</a>.
      </p>
    </main>
  );
}

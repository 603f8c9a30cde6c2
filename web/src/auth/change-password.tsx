/** Changing the password; forced after signing in with a one-time password. */
import { type FormEvent, useState } from 'react';
import { ApiError, post } from '../api';
import type { User } from '../types';
import { Field } from '../ui/field';
import { Busy, ErrorBox } from '../ui/status';
import { useAction } from '../ui/use-api';

/** The password page. */
export function ChangePassword({
  user,
  forced,
  onDone,
}: {
  user: User;
  forced?: boolean;
  onDone: () => void;
}) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [done, setDone] = useState(false);
  const { busy, error, run } = useAction();
  const mismatch = again !== '' && next !== again;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (next !== again) return;
    const ok = await run(async () => {
      await post('/api/session/password', { current, next });
      return true;
    });
    if (ok) {
      setDone(true);
      onDone();
    }
  };

  const form = (
    <form onSubmit={submit} className="card" aria-label="Change password">
      <h2>{forced ? 'Choose your own password' : 'Change password'}</h2>
      {forced ? (
        <p>
          {user.name}, you signed in with a one-time password. Choose a password of your own before going on.
        </p>
      ) : null}
      <Field
        label={forced ? 'One-time password' : 'Current password'}
        name="current"
        type="password"
        value={current}
        onChange={setCurrent}
        autoComplete="current-password"
        required
      />
      <Field
        label="New password"
        name="next"
        type="password"
        value={next}
        onChange={setNext}
        autoComplete="new-password"
        hint="At least 12 characters."
        required
      />
      <Field
        label="New password again"
        name="again"
        type="password"
        value={again}
        onChange={setAgain}
        autoComplete="new-password"
        required
      />
      {mismatch ? (
        <ErrorBox
          error={
            new ApiError(
              400,
              'GH_ERR_CONSOLE_MISMATCH',
              'Passwords differ',
              'the two new passwords are not the same',
            )
          }
        />
      ) : null}
      <button type="submit" disabled={busy || mismatch}>
        Change password
      </button>
      {busy ? <Busy label="Saving…" /> : null}
      {done ? <p role="status">Password changed.</p> : null}
      {error ? <ErrorBox error={error} what="change the password" /> : null}
    </form>
  );
  return forced ? (
    <main className="centre" id="main">
      <h1>Gatehouse console</h1>
      {form}
    </main>
  ) : (
    form
  );
}

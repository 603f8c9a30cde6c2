/**
 * The console shell: who is signed in, what they must do first (change a one-time password, enrol
 * TOTP), then the navigation and the page for the current route.
 */
import { useCallback, useEffect, useState } from 'react';
import { ApiError, get, setUnauthorisedHandler } from './api';
import { ChangePassword } from './auth/change-password';
import { EnrolTotp } from './auth/enrol-totp';
import { SignIn } from './auth/sign-in';
import { Shell } from './shell';
import type { User } from './types';
import { Busy, ErrorBox } from './ui/status';

type SessionState =
  | { kind: 'loading' }
  | { kind: 'out' }
  | { kind: 'in'; user: User }
  | { kind: 'down'; error: ApiError };

/** The whole console. */
export function App() {
  const [session, setSession] = useState<SessionState>({ kind: 'loading' });

  const refresh = useCallback(() => {
    get<{ user: User }>('/api/session')
      .then(({ user }) => setSession({ kind: 'in', user }))
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 401) setSession({ kind: 'out' });
        else
          setSession({
            kind: 'down',
            error: e instanceof ApiError ? e : new ApiError(0, 'GH_ERR_CONSOLE', 'Error', String(e)),
          });
      });
  }, []);

  useEffect(() => {
    setUnauthorisedHandler(() => setSession({ kind: 'out' }));
    refresh();
  }, [refresh]);

  if (session.kind === 'loading') return <Busy label="Checking your session…" />;
  if (session.kind === 'down')
    return (
      <main className="centre">
        <h1>Gatehouse console</h1>
        <ErrorBox error={session.error} what="reach the control plane" />
        <button type="button" onClick={refresh}>
          Try again
        </button>
      </main>
    );
  if (session.kind === 'out') return <SignIn onSignedIn={(user) => setSession({ kind: 'in', user })} />;
  const { user } = session;
  if (user.mustChangePassword) return <ChangePassword user={user} forced onDone={refresh} />;
  if (user.mfa === 'required') return <EnrolTotp forced onDone={refresh} />;
  return <Shell user={user} onSignedOut={() => setSession({ kind: 'out' })} onChanged={refresh} />;
}

/**
 * Enrolling an authenticator (TOTP, RFC 6238): the otpauth URL and the secret as text (no QR image:
 * the console loads nothing external), a code to confirm, then the recovery codes, shown once.
 */
import { type FormEvent, useState } from 'react';
import { post } from '../api';
import { Field } from '../ui/field';
import { Busy, ErrorBox } from '../ui/status';
import { useAction } from '../ui/use-api';

/** The enrolment page. */
export function EnrolTotp({ forced, onDone }: { forced?: boolean; onDone: () => void }) {
  const [secret, setSecret] = useState<{ secret: string; otpauthUrl: string }>();
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState<string[]>();
  const { busy, error, run } = useAction();

  const start = async () => {
    const res = await run(() => post<{ secret: string; otpauthUrl: string }>('/api/session/totp'));
    if (res) setSecret(res);
  };
  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    const res = await run(() =>
      post<{ recoveryCodes: string[] }>('/api/session/totp/confirm', { code: code.trim() }),
    );
    if (res) setRecovery(res.recoveryCodes);
  };

  const body = recovery ? (
    <section className="card" aria-labelledby="recovery-h">
      <h2 id="recovery-h">Authenticator enrolled</h2>
      <p role="status">
        Keep these recovery codes somewhere safe. Each works once, in place of a code, if you lose your
        authenticator. <strong>They are shown only now.</strong>
      </p>
      <ul className="codes" data-testid="recovery-codes">
        {recovery.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <button type="button" onClick={onDone}>
        I have kept them, continue
      </button>
    </section>
  ) : (
    <section className="card" aria-labelledby="totp-h">
      <h2 id="totp-h">Enrol an authenticator</h2>
      {forced ? (
        <p>Your role needs a second factor before it can act. Enrol an authenticator app (TOTP) now.</p>
      ) : null}
      {secret ? (
        <form onSubmit={confirm}>
          <p>Add this account to your authenticator app with the link or by typing the secret:</p>
          <dl>
            <dt>otpauth URL</dt>
            <dd>
              <code className="wrap" data-testid="otpauth-url">
                {secret.otpauthUrl}
              </code>
            </dd>
            <dt>Secret (base32)</dt>
            <dd>
              <code className="wrap" data-testid="totp-secret">
                {secret.secret}
              </code>
            </dd>
          </dl>
          <Field
            label="Code shown by the app"
            name="totp"
            value={code}
            onChange={setCode}
            inputMode="numeric"
            autoComplete="one-time-code"
            required
          />
          <button type="submit" disabled={busy}>
            Confirm
          </button>
        </form>
      ) : (
        <button type="button" onClick={start} disabled={busy}>
          Start enrolment
        </button>
      )}
      {busy ? <Busy label="Working…" /> : null}
      {error ? <ErrorBox error={error} what="enrol the authenticator" /> : null}
    </section>
  );
  return forced ? (
    <main className="centre" id="main">
      <h1>Gatehouse console</h1>
      {body}
    </main>
  ) : (
    body
  );
}

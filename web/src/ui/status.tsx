/** Loading, error and empty states, shared by every page so they look and read the same. */
import type { ReactNode } from 'react';
import type { ApiError } from '../api';
import type { Resource } from './use-api';

const PLAIN: Record<number, string> = {
  0: 'The control plane could not be reached.',
  400: 'The request was not accepted.',
  401: 'You are not signed in.',
  403: 'Your account may not do this.',
  404: 'This is not available (not found, or not provided by this control plane yet).',
  409: 'This conflicts with the current state.',
  413: 'That is too large.',
  429: 'Too many attempts; wait a moment and try again.',
  500: 'The control plane failed.',
  501: 'This control plane does not provide this yet.',
};

/** An error in plain words with its code, announced to screen readers. */
export function ErrorBox({ error, what }: { error: ApiError; what?: string }) {
  const plain = PLAIN[error.status] ?? (error.status >= 500 ? PLAIN[500] : 'Something went wrong.');
  return (
    <div className="error" role="alert">
      <p>
        <strong>{what ? `Could not ${what}. ` : ''}</strong>
        {plain}
      </p>
      <p>
        {error.title}
        {error.detail ? `: ${error.detail}` : ''}
      </p>
      <p className="code">
        <code>{error.code}</code>
        {error.status ? ` (HTTP ${error.status})` : ''}
      </p>
    </div>
  );
}

/** A polite live status line for loading and "saved" messages. */
export function Busy({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="busy" role="status" aria-live="polite">
      {label}
    </p>
  );
}

/** Renders a resource: its error, a loading line the first time, else `children(data)`. */
export function Loaded<T>({
  res,
  what,
  children,
}: {
  res: Resource<T>;
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (res.error && res.data === undefined) return <ErrorBox error={res.error} what={`load ${what}`} />;
  if (res.data === undefined) return <Busy label={`Loading ${what}…`} />;
  return (
    <>
      {res.error ? <ErrorBox error={res.error} what={`refresh ${what}`} /> : null}
      {children(res.data)}
    </>
  );
}

/** Formats milliseconds since the epoch for people (local time, ISO-like). */
export function when(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

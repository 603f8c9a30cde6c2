/**
 * Hash routing (`/console/#/orders/12`): the control plane serves one index.html under /console/,
 * so every console address works on reload without a server-side fallback.
 */
import { useEffect, useState } from 'react';

/** The current route as path segments and query (`#/orders?status=active` → ['orders'], {status}). */
export interface Route {
  parts: string[];
  params: URLSearchParams;
}

function parse(): Route {
  const raw = window.location.hash.replace(/^#\/?/, '');
  const [path, q = ''] = raw.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(q) };
}

/** Subscribes to hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const on = () => setRoute(parse());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** Goes to a console path (`/orders/12`). */
export function navigate(path: string): void {
  window.location.hash = `#${path}`;
}

/** The href of a console path. */
export const href = (path: string): string => `#${path}`;

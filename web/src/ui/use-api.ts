/** Loading a resource from the API with its loading and error states, and a way to load it again. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, get } from '../api';

/** The state of one GET: data once loaded, the last error, whether a request is in flight. */
export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/** GETs `path` (null: nothing yet), again whenever `path` changes, and every `refreshMs` if given. */
export function useApi<T>(path: string | null, refreshMs?: number): Resource<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const current = useRef(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick forces a reload
  useEffect(() => {
    if (path === null) return;
    const id = ++current.current;
    setLoading(true);
    get<T>(path)
      .then((d) => {
        if (id !== current.current) return;
        setData(d);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (id !== current.current) return;
        setError(
          e instanceof ApiError ? e : new ApiError(0, 'GH_ERR_CONSOLE', 'Unexpected error', String(e)),
        );
      })
      .finally(() => {
        if (id === current.current) setLoading(false);
      });
  }, [path, tick]);

  useEffect(() => {
    if (refreshMs === undefined || path === null) return;
    const timer = setInterval(reload, refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs, path, reload]);

  return { data, error, loading, reload };
}

/** Runs an action (POST…) with a busy flag and the error it raised, for forms and buttons. */
export function useAction(): {
  busy: boolean;
  error: ApiError | undefined;
  run: <T>(fn: () => Promise<T>) => Promise<T | undefined>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const run = useCallback(async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await fn();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'GH_ERR_CONSOLE', 'Unexpected error', String(e)));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: useCallback(() => setError(undefined), []) };
}

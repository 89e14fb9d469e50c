// Loading what a page shows: `useData` reads once and again on `reload()` (or when its key
// changes), keeping the last good answer while a new one comes.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export function useData(load, deps) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  const generation = useRef(0);
  const reload = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === generation.current && setState({ data, error: null, loading: false }),
      (error) => mine === generation.current && setState((s) => ({ ...s, error, loading: false })),
    );
  }, deps);
  useEffect(() => {
    reload();
  }, [reload]);
  return { ...state, reload };
}

/// Calls `fn` at most once per `ms`, at the end of a burst (many log lines, one refresh).
export function useDebounced(fn, ms) {
  const timer = useRef(null);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      latest.current();
    }, ms);
  }, [ms]);
}

/// Reads `reload` again (debounced) whenever the app's platform says something changed
/// (pages/app.js's live stream).
export function useLiveReload(live, reload) {
  const debounced = useDebounced(reload, 300);
  useEffect(() => live.subscribe(() => debounced()), [live, debounced]);
}

/// Runs `action` (async) for a form's submit or a button's click: busy while it runs, its
/// failure kept to show beside the control.
export function useSubmit(action) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e?.preventDefault?.();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { submit, busy, error };
}

import { useCallback, useEffect, useState } from 'react';

/** Loads data for a page; `reload` after a change. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  // the caller lists what load depends on, as with useEffect
  const run = useCallback(load, deps);
  const reload = useCallback(async () => {
    try {
      setError(undefined);
      setData(await run());
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Loading failed');
    }
  }, [run]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, reload };
}

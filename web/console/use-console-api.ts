import { useCallback, useEffect, useState } from 'preact/hooks';
import { consoleApi } from './api';

/** A console API resource: its value or error, and `reload` to fetch it again (after an action). */
export function useConsoleApi<T>(path: string): {
  value?: T;
  error?: string;
  reload: () => Promise<void>;
} {
  const [state, setState] = useState<{ value?: T; error?: string }>({});
  const reload = useCallback(
    () =>
      consoleApi<T>(path).then(
        (value) => setState({ value }),
        (error: unknown) => setState({ error: error instanceof Error ? error.message : String(error) }),
      ),
    [path],
  );
  useEffect(() => {
    setState({});
    void reload();
  }, [reload]);
  return { ...state, reload };
}

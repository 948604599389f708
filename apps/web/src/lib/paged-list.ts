import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import type { Page } from '@graminsta/contracts';

export interface PagedList<T> {
  items: T[];
  loading: boolean;
  error: Error | null;
  /** False once the API answered `nextCursor: null`. */
  hasMore: boolean;
  loadMore(): void;
  /** Edits the loaded items in place (a like, a deletion, a live event). */
  update(fn: (items: T[]) => T[]): void;
}

/**
 * Keyset pagination: the first page on mount (and when `deps` change), then the page after
 * `nextCursor` on each loadMore. Items already shown are not added twice.
 */
export function usePagedList<T extends { id: string }>(
  fetchPage: (cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>,
  deps: DependencyList,
): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [hasMore, setHasMore] = useState(true);
  // Refs, not state: two loadMore calls in one tick must not fetch the same page twice.
  const state = useRef({
    cursor: null as string | null,
    busy: false,
    done: false,
    controller: new AbortController(),
  });
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const loadMore = useCallback(() => {
    const s = state.current;
    if (s.busy || s.done) return;
    s.busy = true;
    const { controller } = s;
    setLoading(true);
    setError(null);
    fetchRef.current(s.cursor ?? undefined, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        s.busy = false;
        s.cursor = page.nextCursor;
        s.done = page.nextCursor === null;
        setItems((old) => {
          const seen = new Set(old.map((item) => item.id));
          return [...old, ...page.items.filter((item) => !seen.has(item.id) && seen.add(item.id))];
        });
        setHasMore(!s.done);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        s.busy = false;
        setError(err instanceof Error ? err : new Error(String(err)));
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => {
    state.current = { cursor: null, busy: false, done: false, controller: new AbortController() };
    setItems([]);
    setHasMore(true);
    loadMore();
    const { controller } = state.current;
    return () => controller.abort();
  }, deps);

  const update = useCallback((fn: (items: T[]) => T[]) => setItems(fn), []);
  return { items, loading, error, hasMore, loadMore, update };
}

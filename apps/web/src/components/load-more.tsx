import { useEffect, useRef } from 'react';
import { ErrorMessage } from './error-message.tsx';

interface Props {
  hasMore: boolean;
  loading: boolean;
  error: Error | null;
  onLoadMore(): void;
  /** What the items are, for the button text: "photos", "comments". */
  noun?: string;
}

/**
 * The end of an infinite list: loads the next page when it scrolls into view, and offers a
 * button for keyboards (and browsers without IntersectionObserver). Retries after an error.
 */
export function LoadMore({ hasMore, loading, error, onLoadMore, noun = 'more' }: Props) {
  const sentinel = useRef<HTMLDivElement>(null);
  const onLoad = useRef(onLoadMore);
  onLoad.current = onLoadMore;

  // Observing anew after each page: if the sentinel is still in view, the next page loads too.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasMore || loading || error || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) onLoad.current();
      },
      { rootMargin: '800px 0px' },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [hasMore, loading, error]);

  if (!hasMore && !error) return null;
  return (
    <div className="load-more" ref={sentinel}>
      <ErrorMessage error={error} />
      {loading ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : (
        <button type="button" className="button secondary" onClick={onLoadMore}>
          {error ? 'Try again' : `Load ${noun}`}
        </button>
      )}
    </div>
  );
}

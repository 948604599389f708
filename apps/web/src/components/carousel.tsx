import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { Photo } from '@graminsta/contracts';
import { mediaAsPhoto } from '../lib/media.ts';
import { PhotoImage } from './photo-image.tsx';

interface Props {
  photo: Pick<Photo, 'id' | 'owner' | 'media'>;
  sizes: string;
  /** Wraps each item's image (the feed card makes it a link to the post). */
  wrap?(image: ReactNode): ReactNode;
}

/**
 * A post's photos one at a time: a horizontal scroller with scroll snapping (so a finger swipes
 * natively), previous/next buttons, the arrow keys, and dots that show and choose the position.
 * Only the item in view is exposed to assistive technology and the tab order.
 */
export function Carousel({ photo, sizes, wrap = (image) => image }: Props) {
  const items = photo.media;
  const [index, setIndex] = useState(0);
  const track = useRef<HTMLDivElement>(null);
  // While a button or key scrolls the track, the scroll events it causes must not pull the index back.
  const target = useRef<number | null>(null);

  useEffect(() => {
    const el = track.current;
    if (!el) return;
    let frame = 0;
    const onScroll = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (el.clientWidth === 0) return;
        const at = Math.round(el.scrollLeft / el.clientWidth);
        if (target.current !== null) {
          if (at !== target.current || Math.abs(el.scrollLeft - at * el.clientWidth) > 2) return;
          target.current = null;
        }
        setIndex(Math.min(Math.max(at, 0), items.length - 1));
      });
    };
    const onScrollEnd = () => {
      target.current = null;
      onScroll();
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    el.addEventListener('scrollend', onScrollEnd);
    return () => {
      cancelAnimationFrame(frame);
      el.removeEventListener('scroll', onScroll);
      el.removeEventListener('scrollend', onScrollEnd);
    };
  }, [items.length]);

  if (items.length === 1)
    return <>{wrap(<PhotoImage photo={mediaAsPhoto(photo, items[0]!)} sizes={sizes} />)}</>;

  const goTo = (to: number) => {
    const next = Math.min(Math.max(to, 0), items.length - 1);
    setIndex(next);
    const el = track.current;
    if (el && typeof el.scrollTo === 'function' && el.clientWidth > 0) {
      target.current = next;
      el.scrollTo({ left: next * el.clientWidth });
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    event.preventDefault();
    goTo(index + (event.key === 'ArrowRight' ? 1 : -1));
  };

  const label = `${items.length} photos by @${photo.owner.username}`;
  return (
    <section
      className="carousel"
      aria-roledescription="carousel"
      aria-label={label}
      data-testid="carousel"
      onKeyDown={onKeyDown}
    >
      <div
        className="carousel-track"
        ref={track}
        tabIndex={0}
        role="group"
        aria-label={`Photo ${index + 1} of ${items.length}; the arrow keys show the others`}
      >
        {items.map((item, i) => (
          <div
            key={item.id}
            className="carousel-slide"
            role="group"
            aria-roledescription="slide"
            aria-label={`${i + 1} of ${items.length}`}
            aria-hidden={i !== index}
            inert={i !== index}
            data-current={i === index}
          >
            {wrap(<PhotoImage photo={mediaAsPhoto(photo, item)} sizes={sizes} />)}
          </div>
        ))}
      </div>
      <button
        type="button"
        className="carousel-arrow previous"
        aria-label="Previous photo"
        disabled={index === 0}
        onClick={() => goTo(index - 1)}
      >
        <span aria-hidden="true">‹</span>
      </button>
      <button
        type="button"
        className="carousel-arrow next"
        aria-label="Next photo"
        disabled={index === items.length - 1}
        onClick={() => goTo(index + 1)}
      >
        <span aria-hidden="true">›</span>
      </button>
      <div className="carousel-dots">
        {items.map((item, i) => (
          <button
            key={item.id}
            type="button"
            className="carousel-dot"
            aria-label={`Photo ${i + 1} of ${items.length}`}
            aria-current={i === index ? 'true' : undefined}
            onClick={() => goTo(i)}
          />
        ))}
      </div>
    </section>
  );
}

// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { photo } from '../testing/fakes.tsx';
import { PhotoImage, PhotoThumb } from './photo-image.tsx';

afterEach(cleanup);

describe('PhotoImage', () => {
  it('offers both sizes in srcset, fills with the placeholder colour, and uses the alt text', () => {
    const { container } = render(<PhotoImage photo={photo('3', { altText: 'a red boat' })} sizes="600px" />);
    const img = screen.getByAltText('a red boat');
    expect(img.getAttribute('srcset')).toBe(
      'https://cdn.test/3/w640.webp 640w, https://cdn.test/3/w1080.webp 1080w',
    );
    expect(img.getAttribute('sizes')).toBe('600px');
    expect(img.getAttribute('src')).toBe('https://cdn.test/3/w640.webp');
    const frame = container.querySelector<HTMLElement>('.photo-frame')!;
    expect(frame.style.backgroundColor).toMatch(/#336699|rgb\(51, 102, 153\)/);
  });

  it('names the owner when there is no alt text, and says when the photo is still processing', () => {
    render(<PhotoThumb photo={photo('4', { altText: '' })} />);
    expect(screen.getByAltText('Photo by @bob').getAttribute('src')).toBe('https://cdn.test/4/thumb.webp');
    cleanup();
    render(<PhotoImage photo={photo('5', { status: 'processing', variants: null })} sizes="600px" />);
    expect(screen.getByRole('status').textContent).toBe('Processing…');
    expect(screen.queryByRole('img')).toBeNull();
  });
});

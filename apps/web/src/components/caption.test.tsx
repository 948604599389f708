// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { RouterProvider } from '../lib/router.tsx';
import { Caption } from './caption.tsx';

afterEach(cleanup);

const renderCaption = (text: string) =>
  render(
    <RouterProvider>
      <Caption username="bob" text={text} />
    </RouterProvider>,
  );

describe('Caption', () => {
  it('shows markup in a caption as literal text and creates no elements from it', () => {
    const hostile = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> hi';
    const { container } = renderCaption(hostile);
    expect(screen.getByTestId('caption-text').textContent).toBe(hostile);
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
    expect((window as { pwned?: number }).pwned).toBeUndefined();
  });

  it('links #tags to their tag page and @names to profiles, keeping the rest as text', () => {
    renderCaption('Golden hour with @ann_b #Sunset <b>wow</b>');
    const tag = screen.getByRole('link', { name: '#Sunset' });
    const mention = screen.getByRole('link', { name: '@ann_b' });
    expect(tag.getAttribute('href')).toBe('/tags/sunset');
    expect(mention.getAttribute('href')).toBe('/u/ann_b');
    expect(screen.getByRole('link', { name: 'bob' }).getAttribute('href')).toBe('/u/bob');
    expect(screen.getByTestId('caption-text').textContent).toBe('Golden hour with @ann_b #Sunset <b>wow</b>');
    expect(screen.getByTestId('caption-text').querySelector('b')).toBeNull();
  });

  it('navigates in place when a tag is clicked', () => {
    renderCaption('#beach');
    fireEvent.click(screen.getByRole('link', { name: '#beach' }));
    expect(window.location.pathname).toBe('/tags/beach');
  });
});

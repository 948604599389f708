// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { post } from '../testing/posts.ts';
import { Carousel } from './carousel.tsx';

afterEach(cleanup);

const shown = () => screen.getByRole('img').getAttribute('alt'); // the hidden slides are not counted
const dot = (n: number) => screen.getByRole('button', { name: `Photo ${n} of 3` });
const current = () => [1, 2, 3].filter((n) => dot(n).getAttribute('aria-current') === 'true');

describe('Carousel', () => {
  it('shows one photo at a time and moves with the arrow keys, each with its own alt text', () => {
    render(<Carousel photo={post('5', 3)} sizes="600px" />);
    const track = screen.getByRole('group', { name: /^Photo 1 of 3/ });
    expect(shown()).toBe('alt 5.1');
    expect(current()).toEqual([1]);

    fireEvent.keyDown(track, { key: 'ArrowRight' });
    expect(shown()).toBe('alt 5.2');
    expect(current()).toEqual([2]);
    expect(screen.getByRole('group', { name: /^Photo 2 of 3/ })).toBe(track);
    fireEvent.keyDown(track, { key: 'ArrowRight' });
    expect(shown()).toBe('alt 5.3');
    fireEvent.keyDown(track, { key: 'ArrowRight' }); // the last stays the last
    expect(shown()).toBe('alt 5.3');
    fireEvent.keyDown(track, { key: 'ArrowLeft' });
    expect(shown()).toBe('alt 5.2');
    expect(screen.getByRole('img').getAttribute('src')).toBe('https://cdn.test/52/w640.webp');
  });

  it('has previous/next buttons that stop at the ends, and dots that choose a photo', () => {
    render(<Carousel photo={post('5', 3)} sizes="600px" />);
    const previous = screen.getByRole('button', { name: 'Previous photo' }) as HTMLButtonElement;
    const next = screen.getByRole('button', { name: 'Next photo' }) as HTMLButtonElement;
    expect(previous.disabled).toBe(true);
    fireEvent.click(next);
    expect(shown()).toBe('alt 5.2');
    expect(previous.disabled).toBe(false);
    fireEvent.click(dot(3));
    expect(shown()).toBe('alt 5.3');
    expect(current()).toEqual([3]);
    expect(next.disabled).toBe(true);
    fireEvent.click(previous);
    expect(current()).toEqual([2]);
  });

  it('keeps the hidden slides out of the tab order', () => {
    const { container } = render(<Carousel photo={post('5', 3)} sizes="600px" />);
    const slides = container.querySelectorAll('[aria-roledescription="slide"]');
    expect([...slides].map((s) => s.hasAttribute('inert'))).toEqual([false, true, true]);
  });

  it('draws a post of one photo as the photo alone', () => {
    render(<Carousel photo={post('6', 1)} sizes="600px" />);
    expect(shown()).toBe('alt 6.1');
    expect(screen.queryByRole('region')).toBeNull();
    expect(screen.queryByRole('button')).toBeNull();
  });
});

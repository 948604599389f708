// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { Photo } from '@graminsta/contracts';
import { Providers, ann, meAnn, testClient, type Call } from '../testing/fakes.tsx';
import { post } from '../testing/posts.ts';
import { PhotoPage } from './photo-page.tsx';

afterEach(cleanup);

const mine = post('5', 3, { owner: ann, caption: 'old words' });

/** The API for post 5: PATCH applies the edit as the server would; save/unsave answer `saveAnswer`. */
function api(
  start: Photo,
  saveAnswer: (call: Call) => { status: number; body?: unknown } = () => ({
    status: 200,
    body: { saved: true },
  }),
) {
  let current = start;
  return (call: Call) => {
    if (call.path === '/api/v1/photos/5' && call.method === 'GET') return { status: 200, body: current };
    if (call.path === '/api/v1/photos/5' && call.method === 'PATCH') {
      const body = call.body as { caption: string; media: Array<{ id: string; altText: string }> };
      const media = body.media.map((m) => ({
        ...current.media.find((i) => i.id === m.id)!,
        altText: m.altText,
      }));
      current = { ...current, caption: body.caption, media, editedAt: '2026-01-02T00:00:00Z' };
      return { status: 200, body: current };
    }
    if (call.path === '/api/v1/photos/5/save') return saveAnswer(call);
    return { status: 200, body: { items: [], nextCursor: null, unreadCount: 0 } };
  };
}

function renderPage(handler: (call: Call) => { status: number; body?: unknown }) {
  const { client, calls } = testClient(handler);
  render(
    <Providers client={client} me={meAnn}>
      <PhotoPage id="5" />
    </Providers>,
  );
  return calls;
}

describe('PhotoPage: editing a post', () => {
  it('lets the owner change the caption, an alt text and the order, and marks the post edited', async () => {
    const calls = renderPage(api(mine));
    await screen.findByText('old words');
    expect(screen.queryByTestId('edited-marker')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));

    const form = await screen.findByRole('form', { name: 'Edit post' });
    fireEvent.change(within(form).getByLabelText('Caption'), { target: { value: 'new words @bob' } });
    fireEvent.change(within(form).getByLabelText('Alt text for photo 2'), {
      target: { value: 'a gull, close' },
    });
    fireEvent.click(within(form).getByRole('button', { name: 'Move photo 2 earlier' }));
    expect((within(form).getByLabelText('Alt text for photo 1') as HTMLInputElement).value).toBe(
      'a gull, close',
    );
    fireEvent.click(within(form).getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(screen.queryByRole('form', { name: 'Edit post' })).toBeNull());
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({
      caption: 'new words @bob',
      media: [
        { id: '52', altText: 'a gull, close' },
        { id: '51', altText: 'alt 5.1' },
        { id: '53', altText: 'alt 5.3' },
      ],
    });
    expect(screen.getByTestId('caption-text').textContent).toBe('new words @bob');
    expect(screen.getByTestId('edited-marker').textContent).toMatch(/^Edited/);
    // The carousel starts at the new first photo.
    expect(within(screen.getByTestId('carousel')).getByRole('img').getAttribute('alt')).toBe('a gull, close');
  });

  it('keeps the form and says why when the edit is refused, and cancelling changes nothing', async () => {
    const calls = renderPage((call) =>
      call.method === 'PATCH'
        ? { status: 400, body: { error: { code: 'invalid', message: 'caption is too long' } } }
        : api(mine)(call),
    );
    await screen.findByText('old words');
    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    fireEvent.change(await screen.findByLabelText('Caption'), { target: { value: 'x' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect((await screen.findByRole('alert')).textContent).toBe('caption is too long');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.getByTestId('caption-text').textContent).toBe('old words');
    expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(1);
  });

  it('offers no Edit to anyone but the owner, and shows an earlier edit', async () => {
    renderPage(api(post('5', 2, { editedAt: '2026-01-02T00:00:00Z' })));
    await screen.findByTestId('photo-detail');
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(screen.getByTestId('edited-marker')).toBeTruthy();
  });
});

describe('PhotoPage: saving a post', () => {
  it('saves and unsaves with the pressed state following the API', async () => {
    const calls = renderPage(
      api(post('5', 2), (call) => ({ status: 200, body: { saved: call.method === 'PUT' } })),
    );
    const button = await screen.findByRole('button', { name: 'Save' });
    expect(button.getAttribute('aria-pressed')).toBe('false');
    fireEvent.click(button);
    await waitFor(() => expect(button.getAttribute('aria-pressed')).toBe('true'));
    fireEvent.click(button);
    await waitFor(() => expect(button.getAttribute('aria-pressed')).toBe('false'));
    expect(calls.filter((c) => c.path === '/api/v1/photos/5/save').map((c) => c.method)).toEqual([
      'PUT',
      'DELETE',
    ]);
  });

  it('puts the button back and says why when the save is refused', async () => {
    renderPage(
      api(post('5', 2), () => ({
        status: 404,
        body: { error: { code: 'not_found', message: 'no such photo' } },
      })),
    );
    const button = await screen.findByRole('button', { name: 'Save' });
    fireEvent.click(button);
    expect((await screen.findByRole('alert')).textContent).toBe('no such photo');
    expect(button.getAttribute('aria-pressed')).toBe('false');
  });
});

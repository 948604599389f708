// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { UploadTarget } from '@graminsta/contracts';
import { FakeSocket, Providers, ann, events, meAnn, testClient, type Call } from '../testing/fakes.tsx';
import { post } from '../testing/posts.ts';
import { FakeXhr } from '@graminsta/sdk/testing/fake-xhr';
import { UploadPage } from './upload-page.tsx';

const processing = post('77', 3, { owner: ann, status: 'processing', variants: null, caption: 'hi #sea' });
const ready = post('77', 3, { owner: ann, caption: 'hi #sea' });

/** The API: each POST /uploads hands out the next upload id (501, 502…); the post stays processing. */
function api() {
  let uploads = 500;
  return (call: Call) => {
    if (call.path === '/api/v1/uploads') {
      const target: UploadTarget = {
        uploadId: String(++uploads),
        upload: { method: 'PUT', url: `/storage/uploads/u/${uploads}?sig=abc`, headers: {} },
        expiresAt: '2030-01-01T00:00:00Z',
      };
      return { status: 201, body: target };
    }
    if (call.path === '/api/v1/photos') return { status: 202, body: processing };
    if (call.path === '/api/v1/photos/77') return { status: 200, body: processing };
    return { status: 200, body: { items: [], nextCursor: null, unreadCount: 0 } };
  };
}

function renderPage(handler: (call: Call) => { status: number; body?: unknown } = api()) {
  const { client, calls } = testClient(handler, { XMLHttpRequest: FakeXhr });
  render(
    <Providers client={client} me={meAnn}>
      <UploadPage />
    </Providers>,
  );
  return calls;
}

const png = (name: string) => new File([new Uint8Array(2048)], name, { type: 'image/png' });
const choose = (...files: File[]) =>
  fireEvent.change(screen.getByLabelText(/^(Choose a photo or several|Add more photos)$/), {
    target: { files },
  });
const previews = () =>
  within(screen.getByRole('list', { name: 'Photos of this post, in order' }))
    .getAllByRole('img')
    .map((img) => img.getAttribute('alt'));
const altField = (n: number) => screen.getByLabelText(`Alt text for photo ${n}`);
const share = () => fireEvent.click(screen.getByRole('button', { name: 'Share' }));
const postBody = (calls: Call[]) =>
  calls.find((c) => c.path === '/api/v1/photos' && c.method === 'POST')?.body;

/** Sends every started upload's bytes: progress, then 201. */
async function finishUploads(count: number) {
  await waitFor(() => expect(FakeXhr.all).toHaveLength(count));
  for (const xhr of FakeXhr.all) await act(async () => xhr.answer(201, { ok: true }));
}

beforeEach(() => {
  FakeXhr.all = [];
  FakeSocket.all = [];
});
afterEach(cleanup);

describe('UploadPage: a post of several photos', () => {
  it('takes three files at once, reorders and removes before posting, and posts media in the chosen order', async () => {
    const calls = renderPage();
    choose(png('a.png'), png('b.png'), png('c.png'));
    expect(previews()).toEqual([
      'Preview of photo 1 (a.png)',
      'Preview of photo 2 (b.png)',
      'Preview of photo 3 (c.png)',
    ]);

    // a moves after b; then the new second (a) is removed; d is added at the end.
    fireEvent.click(screen.getByRole('button', { name: 'Move photo 1 later' }));
    expect(previews()).toEqual([
      'Preview of photo 1 (b.png)',
      'Preview of photo 2 (a.png)',
      'Preview of photo 3 (c.png)',
    ]);
    expect((screen.getByRole('button', { name: 'Move photo 1 earlier' }) as HTMLButtonElement).disabled).toBe(
      true,
    );
    // The focus stays on the moved photo's button, to press again.
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Move photo 2 later' }));
    fireEvent.click(screen.getByRole('button', { name: 'Remove photo 2' }));
    choose(png('d.png'));
    expect(previews()).toEqual([
      'Preview of photo 1 (b.png)',
      'Preview of photo 2 (c.png)',
      'Preview of photo 3 (d.png)',
    ]);

    fireEvent.change(altField(1), { target: { value: 'a boat' } });
    fireEvent.change(altField(2), { target: { value: 'a gull' } });
    fireEvent.change(altField(3), { target: { value: 'the pier' } });
    fireEvent.change(screen.getByLabelText('Caption'), { target: { value: 'hi #sea' } });
    share();

    // Each file has its own target and its own progress bar.
    await waitFor(() => expect(FakeXhr.all).toHaveLength(3));
    expect(calls.filter((c) => c.path === '/api/v1/uploads').map((c) => c.body)).toEqual([
      { contentType: 'image/png', size: 2048 },
      { contentType: 'image/png', size: 2048 },
      { contentType: 'image/png', size: 2048 },
    ]);
    const bars = () => screen.getAllByTestId('upload-progress').map((b) => Number(b.getAttribute('value')));
    const xhrOf = (name: string) => FakeXhr.all.find((x) => (x.body as File).name === name)!;
    const uploadIdOf = (name: string) => /\/u\/(\d+)\?/.exec(xhrOf(name).url)![1];
    act(() => xhrOf('c.png').progress(1024, 2048));
    act(() => xhrOf('d.png').progress(512, 2048));
    expect(bars()).toEqual([0, 50, 25]); // rows b, c, d
    expect(screen.getByText('Uploading… 50%')).toBeTruthy();
    expect(screen.getByLabelText('Upload of photo 1')).toBeTruthy();
    expect(postBody(calls)).toBeUndefined(); // not before every file is sent

    await finishUploads(3);
    expect(await screen.findByText(/Processing your photos/)).toBeTruthy();
    expect(postBody(calls)).toEqual({
      caption: 'hi #sea',
      media: [
        { uploadId: uploadIdOf('b.png'), altText: 'a boat' },
        { uploadId: uploadIdOf('c.png'), altText: 'a gull' },
        { uploadId: uploadIdOf('d.png'), altText: 'the pier' },
      ],
    });

    act(() => {
      FakeSocket.latest().serverReady();
      FakeSocket.latest().serverSends(events.ready('901', ready));
    });
    expect(await screen.findByText('Your 3 photos are ready.')).toBeTruthy();
    expect(screen.getByRole('region', { name: '3 photos by @ann' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'View your post' }).getAttribute('href')).toBe('/p/77');
  });

  it('reminds about missing alt text without blocking: "Add descriptions" goes to the first, "Post anyway" posts', async () => {
    const calls = renderPage();
    choose(png('a.png'), png('b.png'), png('c.png'));
    fireEvent.change(altField(2), { target: { value: 'a gull' } });
    share();
    const reminder = await screen.findByTestId('alt-reminder');
    expect(reminder.textContent).toContain(
      '2 photos have no description. Add one for people who use screen readers?',
    );
    expect(calls.filter((c) => c.path === '/api/v1/uploads')).toHaveLength(0);

    fireEvent.click(within(reminder).getByRole('button', { name: 'Add descriptions' }));
    expect(document.activeElement).toBe(altField(1));
    expect(screen.queryByTestId('alt-reminder')).toBeNull();
    fireEvent.change(altField(1), { target: { value: 'a boat' } });

    share();
    expect(screen.getByTestId('alt-reminder').textContent).toContain('1 photo has no description.');
    fireEvent.click(screen.getByRole('button', { name: 'Post anyway' }));
    await finishUploads(3);
    await screen.findByText(/Processing your photos/);
    const media = (postBody(calls) as { media: Array<{ altText?: string }> }).media;
    expect(media.map((m) => m.altText)).toEqual(['a boat', 'a gull', undefined]);
  });

  it('shows why the post failed, naming the item', async () => {
    renderPage();
    choose(png('a.png'), png('b.png'));
    fireEvent.change(altField(1), { target: { value: 'x' } });
    fireEvent.change(altField(2), { target: { value: 'y' } });
    share();
    await finishUploads(2);
    await screen.findByText(/Processing your photos/);
    act(() => {
      FakeSocket.latest().serverReady();
      FakeSocket.latest().serverSends(events.failed('902', '77', 'photo 2 is not an image'));
    });
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Your post could not be processed: photo 2 is not an image',
    );
  });

  it('refuses files that are not images, and keeps at most 10 photos, before sending anything', () => {
    const calls = renderPage();
    choose(new File(['%PDF'], 'doc.pdf', { type: 'application/pdf' }));
    expect(screen.getByRole('alert').textContent).toMatch(/doc\.pdf: Choose a JPEG, PNG/);
    expect((screen.getByRole('button', { name: 'Share' }) as HTMLButtonElement).disabled).toBe(true);

    choose(...Array.from({ length: 8 }, (_, i) => png(`${i}.png`)));
    choose(...Array.from({ length: 4 }, (_, i) => png(`more${i}.png`)));
    expect(previews()).toHaveLength(10);
    expect(screen.getByRole('alert').textContent).toBe('A post holds at most 10 photos: 2 were left out.');
    expect((screen.getByLabelText('Add more photos') as HTMLInputElement).disabled).toBe(true);
    expect(calls.filter((c) => c.path === '/api/v1/uploads')).toHaveLength(0);
  });

  it('shows a storage refusal in place and lets you try again with the same photos', async () => {
    const calls = renderPage();
    choose(png('a.png'), png('b.png'));
    fireEvent.change(altField(1), { target: { value: 'x' } });
    fireEvent.change(altField(2), { target: { value: 'y' } });
    share();
    await waitFor(() => expect(FakeXhr.all).toHaveLength(2));
    await act(async () =>
      FakeXhr.all[1]!.answer(413, {
        error: { code: 'payload_too_large', message: 'this upload takes at most 10 bytes' },
      }),
    );
    expect(screen.getByRole('alert').textContent).toBe('this upload takes at most 10 bytes');
    expect(screen.queryByTestId('upload-progress')).toBeNull();
    expect(previews()).toHaveLength(2);
    expect((screen.getByRole('button', { name: 'Share' }) as HTMLButtonElement).disabled).toBe(false);
    expect(postBody(calls)).toBeUndefined();
  });

  it('takes dropped files', () => {
    renderPage();
    fireEvent.drop(screen.getByTestId('dropzone'), { dataTransfer: { files: [png('a.png'), png('b.png')] } });
    expect(previews()).toEqual(['Preview of photo 1 (a.png)', 'Preview of photo 2 (b.png)']);
  });
});

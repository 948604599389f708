// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { UploadTarget } from '@graminsta/contracts';
import {
  FakeSocket,
  Providers,
  ann,
  events,
  meAnn,
  photo,
  testClient,
  type Call,
} from '../testing/fakes.tsx';
import { FakeXhr } from '@graminsta/sdk/testing/fake-xhr';
import { UploadPage } from './upload-page.tsx';

const target: UploadTarget = {
  uploadId: '555',
  upload: { method: 'PUT', url: '/storage/uploads/u/555?sig=abc', headers: { 'content-type': 'image/png' } },
  expiresAt: '2030-01-01T00:00:00Z',
};
const processing = photo('77', {
  owner: ann,
  status: 'processing',
  variants: null,
  caption: 'hi #sea',
  altText: 'a gull',
});
const ready = photo('77', { owner: ann, caption: 'hi #sea', altText: 'a gull' });

function api(call: Call) {
  if (call.path === '/api/v1/uploads') return { status: 201, body: target };
  if (call.path === '/api/v1/photos') return { status: 202, body: processing };
  if (call.path === '/api/v1/photos/77') return { status: 200, body: processing };
  return { status: 200, body: { items: [], nextCursor: null, unreadCount: 0 } };
}

function renderPage(handler = api) {
  const { client, calls } = testClient(handler, { XMLHttpRequest: FakeXhr });
  render(
    <Providers client={client} me={meAnn}>
      <UploadPage />
    </Providers>,
  );
  return calls;
}

const png = () => new File([new Uint8Array(2048)], 'gull.png', { type: 'image/png' });
const choose = (file: File) =>
  fireEvent.change(screen.getByLabelText('Choose a photo'), { target: { files: [file] } });
const progressValue = () => Number(screen.getByTestId('upload-progress').getAttribute('value'));

beforeEach(() => {
  FakeXhr.all = [];
  FakeSocket.all = [];
});
afterEach(cleanup);

describe('UploadPage', () => {
  it('previews the file, shows real upload progress, then turns processing into the photo on photo.ready', async () => {
    const calls = renderPage();
    choose(png());
    expect(await screen.findByAltText('Preview of the photo you chose')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Caption'), { target: { value: 'hi #sea' } });
    fireEvent.change(screen.getByLabelText('Alt text'), { target: { value: 'a gull' } });
    fireEvent.click(screen.getByRole('button', { name: 'Share' }));

    await waitFor(() => expect(FakeXhr.all).toHaveLength(1));
    const xhr = FakeXhr.all[0]!;
    expect(calls.find((c) => c.path === '/api/v1/uploads')?.body).toEqual({
      contentType: 'image/png',
      size: 2048,
    });
    expect(xhr.method).toBe('PUT');
    expect(xhr.url).toBe('http://api.test/storage/uploads/u/555?sig=abc');
    expect(xhr.headers['content-type']).toBe('image/png');
    expect(progressValue()).toBe(0);

    act(() => xhr.progress(512, 2048));
    expect(progressValue()).toBe(25);
    expect(screen.getByText('Uploading… 25%')).toBeTruthy();
    act(() => xhr.progress(1843, 2048));
    expect(progressValue()).toBe(90);

    await act(async () => xhr.answer(201, { ok: true }));
    expect(await screen.findByText(/Processing your photo/)).toBeTruthy();
    expect(calls.find((c) => c.path === '/api/v1/photos')?.body).toEqual({
      uploadId: '555',
      caption: 'hi #sea',
      altText: 'a gull',
    });

    const socket = FakeSocket.latest();
    act(() => {
      socket.serverReady();
      socket.serverSends(events.ready('900', photo('12'))); // another photo
    });
    expect(screen.queryByText('Your photo is ready.')).toBeNull();
    act(() => socket.serverSends(events.ready('901', ready)));
    expect(await screen.findByText('Your photo is ready.')).toBeTruthy();
    const img = screen.getByAltText('a gull');
    expect(img.getAttribute('srcset')).toBe(
      'https://cdn.test/77/w640.webp 640w, https://cdn.test/77/w1080.webp 1080w',
    );
    expect(screen.getByRole('link', { name: 'View your post' }).getAttribute('href')).toBe('/p/77');
  });

  it('asks the API when the socket says nothing: a photo processed meanwhile shows up', async () => {
    const calls = renderPage((call) =>
      call.path === '/api/v1/photos/77' ? { status: 200, body: ready } : api(call),
    );
    choose(png());
    fireEvent.click(screen.getByRole('button', { name: 'Share' }));
    await waitFor(() => expect(FakeXhr.all).toHaveLength(1));
    await act(async () => FakeXhr.all[0]!.answer(201, { ok: true }));
    expect(await screen.findByText('Your photo is ready.')).toBeTruthy();
    expect(calls.filter((c) => c.path === '/api/v1/photos/77')).toHaveLength(1);
  });

  it('says why when processing failed', async () => {
    renderPage();
    choose(png());
    fireEvent.click(screen.getByRole('button', { name: 'Share' }));
    await waitFor(() => expect(FakeXhr.all).toHaveLength(1));
    await act(async () => FakeXhr.all[0]!.answer(201, { ok: true }));
    await screen.findByText(/Processing your photo/);
    act(() => {
      FakeSocket.latest().serverReady();
      FakeSocket.latest().serverSends(events.failed('902', '77', 'not an image'));
    });
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Your photo could not be processed: not an image',
    );
  });

  it('refuses a file that is not an image before sending anything', () => {
    const calls = renderPage();
    choose(new File(['%PDF'], 'doc.pdf', { type: 'application/pdf' }));
    expect(screen.getByRole('alert').textContent).toMatch(/JPEG, PNG/);
    expect((screen.getByRole('button', { name: 'Share' }) as HTMLButtonElement).disabled).toBe(true);
    expect(calls.filter((c) => c.path === '/api/v1/uploads')).toHaveLength(0);
  });

  it('shows the storage refusal in place and lets you try again', async () => {
    renderPage();
    choose(png());
    fireEvent.click(screen.getByRole('button', { name: 'Share' }));
    await waitFor(() => expect(FakeXhr.all).toHaveLength(1));
    await act(async () =>
      FakeXhr.all[0]!.answer(413, {
        error: { code: 'payload_too_large', message: 'this upload takes at most 10 bytes' },
      }),
    );
    expect(screen.getByRole('alert').textContent).toBe('this upload takes at most 10 bytes');
    expect(screen.queryByTestId('upload-progress')).toBeNull();
    expect((screen.getByRole('button', { name: 'Share' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('takes a dropped file', async () => {
    renderPage();
    fireEvent.drop(screen.getByTestId('dropzone'), { dataTransfer: { files: [png()] } });
    expect(await screen.findByAltText('Preview of the photo you chose')).toBeTruthy();
  });
});

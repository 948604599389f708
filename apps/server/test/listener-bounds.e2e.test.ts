import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../src/testing/server-process.ts';

// Short bounds so the test is quick; the waits below are many times longer, for busy machines.
const BOUNDS = {
  HTTP_IDLE_TIMEOUT_MS: '3000',
  HTTP_HEADERS_TIMEOUT_MS: '1500',
  HTTP_REQUEST_TIMEOUT_MS: '8000',
  HTTP_KEEPALIVE_TIMEOUT_MS: '1000',
  HTTP_MAX_HEADER_BYTES: '8192',
};
const GENEROUS_MS = 40_000;

interface RawClient {
  socket: Socket;
  received: () => string;
  /** Resolves true when the server closed the connection, false if it still held it after `ms`. */
  closedWithin: (ms: number) => Promise<boolean>;
}

async function rawClient(url: string): Promise<RawClient> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let data = '';
  socket.on('data', (d: Buffer) => (data += d.toString()));
  socket.on('error', () => undefined); // a reset by the server is one way of being cut off
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    received: () => data,
    closedWithin: (ms) =>
      Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]),
  };
}

/** Writes one byte at a time every `everyMs` until the socket closes, so it is never idle. */
function trickle(socket: Socket, text: string, everyMs: number): () => void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return clearInterval(timer);
    socket.write(text[i % text.length]!);
    i++;
  }, everyMs);
  return () => clearInterval(timer);
}

async function postJson<T>(url: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function retried<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= 9) throw err;
    }
  }
}

async function healthy(url: string): Promise<boolean> {
  const res = await fetch(`${url}/healthz`);
  return res.status === 200;
}

describe('HTTP listener bounds on a running server', () => {
  let server: ServerProcess;
  let upload: { path: string; contentType: string };
  beforeAll(async () => {
    server = await startServerProcess(BOUNDS);
    const credentials = { username: 'slow_sender', password: 'correct horse battery' };
    // The idle bound also cuts a handler that is silent for 3 s (a scrypt on a busy machine):
    // set-up retries, logging in when an earlier try did sign up.
    const { token } = await retried(async (attempt) => {
      const path = attempt === 0 ? '/api/v1/accounts' : '/api/v1/sessions';
      return postJson<{ token: string }>(`${server.url}${path}`, credentials);
    });
    const target = await retried(() =>
      postJson<{ upload: { url: string } }>(
        `${server.url}/api/v1/uploads`,
        { contentType: 'image/jpeg', size: 100_000 },
        token,
      ),
    );
    const url = new URL(target.upload.url, server.url);
    upload = { path: url.pathname + url.search, contentType: 'image/jpeg' };
  }, 150_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('closes an upload whose body stalls after ten bytes, and keeps serving meanwhile', async () => {
    const client = await rawClient(server.url);
    client.socket.write(
      `PUT ${upload.path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${upload.contentType}\r\n` +
        `Content-Length: 100000\r\n\r\n0123456789`,
    );
    expect(await healthy(server.url)).toBe(true);
    expect(await client.closedWithin(GENEROUS_MS)).toBe(true);
    expect(await healthy(server.url)).toBe(true);
  }, 60_000);

  it('cuts off a body that trickles in forever (whole-request time)', async () => {
    const client = await rawClient(server.url);
    client.socket.write(
      `PUT ${upload.path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${upload.contentType}\r\n` +
        `Content-Length: 100000\r\n\r\n`,
    );
    const stop = trickle(client.socket, 'x', 300);
    try {
      expect(await client.closedWithin(GENEROUS_MS)).toBe(true);
    } finally {
      stop();
    }
    expect(await healthy(server.url)).toBe(true);
  }, 60_000);

  it('answers 408 to a slowloris trickling its headers, and keeps serving meanwhile', async () => {
    const client = await rawClient(server.url);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const stop = trickle(client.socket, 'X-Slow: yes\r\n', 200);
    try {
      expect(await healthy(server.url)).toBe(true);
      expect(await client.closedWithin(GENEROUS_MS)).toBe(true);
    } finally {
      stop();
    }
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
    expect(await healthy(server.url)).toBe(true);
  }, 60_000);

  it('answers 431 to a head over the size limit and 400 to bytes that are not HTTP', async () => {
    const big = await rawClient(server.url);
    big.socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`);
    expect(await big.closedWithin(GENEROUS_MS)).toBe(true);
    expect(big.received()).toMatch(/^HTTP\/1\.1 431/);

    const garbage = await rawClient(server.url);
    garbage.socket.write('\u0000\u0001 not http at all\r\n\r\n');
    expect(await garbage.closedWithin(GENEROUS_MS)).toBe(true);
    expect(garbage.received()).toMatch(/^HTTP\/1\.1 400/);
    expect(await healthy(server.url)).toBe(true);
  }, 60_000);

  it('closes an idle keep-alive connection', async () => {
    const client = await rawClient(server.url);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await client.closedWithin(GENEROUS_MS)).toBe(true);
    expect(client.received()).toMatch(/^HTTP\/1\.1 200/);
  }, 60_000);
});

import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { getAgain } from './get-again.ts';

/** A TCP server that closes the first `drops` connections as soon as a request head arrives, then answers 200. */
async function dropping(drops: number): Promise<{ url: string; server: Server; connections: () => number }> {
  let seen = 0;
  const server = createServer((socket: Socket) => {
    socket.on('error', () => {});
    const n = ++seen;
    socket.once('data', () => {
      if (n <= drops) socket.destroy();
      else socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/metrics`, server, connections: () => seen };
}

describe('getAgain', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('sends a GET again once when its socket is closed under it', async () => {
    const s = await dropping(1);
    servers.push(s.server);
    await expect(fetch(s.url)).rejects.toThrow('fetch failed');
    const again = await dropping(1);
    servers.push(again.server);
    const res = await getAgain(again.url);
    expect([res.status, await res.text(), again.connections()]).toEqual([200, 'ok', 2]);
  });

  it('throws the second failure: a process that keeps closing is not well', async () => {
    const s = await dropping(5);
    servers.push(s.server);
    await expect(getAgain(s.url)).rejects.toThrow('fetch failed');
    expect(s.connections()).toBe(2);
  });

  it('does not send again when nothing listens', async () => {
    const s = await dropping(0);
    const url = s.url;
    await new Promise((r) => s.server.close(r));
    await expect(getAgain(url)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
  });
});

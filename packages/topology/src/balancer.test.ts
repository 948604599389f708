import { createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { renderBalancer } from './balancer.ts';
import { findNginx, startNginx } from './nginx.ts';
import { freePort } from './ports.ts';

describe('the stage-4 balancer config', () => {
  const conf = renderBalancer({
    listenHost: '127.0.0.1',
    listenPort: 8081,
    upstreams: ['127.0.0.1:9001', '127.0.0.1:9002'],
    storage: ['127.0.0.1:9101'],
    websockets: true,
  });

  it('overwrites X-Forwarded-For with the peer address in every location, never appends to it', () => {
    // Every proxying location (nginx_status answers by itself).
    const locations = conf
      .split(/\n\s*location /)
      .slice(1)
      .filter((l) => l.includes('proxy_pass'));
    expect(locations).toHaveLength(3);
    for (const location of locations) {
      expect(location).toContain('proxy_set_header X-Forwarded-For $remote_addr;');
    }
    expect(conf).not.toContain('$proxy_add_x_forwarded_for');
    expect(conf).not.toContain('$http_x_forwarded_for');
  });

  it('balances every upstream by fewest open connections unless told not to', () => {
    expect(conf).toMatch(/upstream tier \{\n\s+least_conn;/);
    expect(conf).toMatch(/upstream storage \{\n\s+least_conn;/);
    const roundRobin = renderBalancer({
      listenHost: '127.0.0.1',
      listenPort: 8083,
      upstreams: ['127.0.0.1:9001'],
      leastConn: false,
    });
    expect(roundRobin).not.toContain('least_conn');
    const realtime = renderBalancer({
      listenHost: '127.0.0.1',
      listenPort: 8082,
      upstreams: ['127.0.0.1:9201', '127.0.0.1:9202'],
      websockets: true,
      leastConn: true,
    });
    expect(realtime).toMatch(/upstream tier \{\n\s+least_conn;\n\s+server 127\.0\.0\.1:9201/);
  });
});

/** A stand-in instance: answers HTTP and accepts upgrades, naming itself; counts its open sockets. */
async function instance(name: string) {
  const open = new Set<Socket>();
  const closed: (() => void)[] = [];
  const server = createServer((req, res) => {
    res.writeHead(200, { 'x-served-by': name });
    res.end(name);
  });
  server.on('upgrade', (_req, socket: Socket) => {
    open.add(socket);
    socket.on('error', () => socket.destroy());
    // nginx passes the client's close on as a half-close: end our side too, as a WebSocket server does.
    socket.on('end', () => socket.destroy());
    socket.on('close', () => {
      open.delete(socket);
      for (const wake of closed.splice(0)) wake();
    });
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nx-served-by: ${name}\r\n\r\n`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    address: `127.0.0.1:${port}`,
    open: () => open.size,
    /** Resolves once one of its sockets has closed. */
    nextClose: () => new Promise<void>((resolve) => closed.push(resolve)),
    close: () => {
      for (const s of open) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Opens an upgraded socket on /ws through the balancer: who answered it, and the socket. */
function openSocket(port: number): Promise<{ servedBy: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/ws',
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13' },
    });
    req.on('upgrade', (res, socket) => {
      socket.on('error', () => socket.destroy());
      resolve({ servedBy: String(res.headers['x-served-by']), socket });
    });
    req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!findNginx())('the stage-6 balancer: /ws on the realtime tier', () => {
  it('sends /ws to the realtime upstream by open connections, everything else to the API tier', async () => {
    const [api, rtA, rtB] = await Promise.all([instance('api'), instance('rt-a'), instance('rt-b')]);
    const listenPort = await freePort();
    const conf = renderBalancer({
      listenHost: '127.0.0.1',
      listenPort,
      upstreams: [api.address],
      websocketsUpstreams: [rtA.address, rtB.address],
    });
    expect(conf).toMatch(/upstream realtime \{\n\s+least_conn;/);
    expect(conf).toMatch(/location = \/ws \{\n\s+proxy_pass http:\/\/realtime;/);
    expect(conf).toContain('proxy_read_timeout 1h;');
    // startNginx has nginx -t the config first.
    const nginx = await startNginx(conf, `http://127.0.0.1:${listenPort}/healthz`);
    const sockets: Socket[] = [];
    try {
      const plain = await fetch(`http://127.0.0.1:${listenPort}/api/v1/ws`);
      expect(plain.headers.get('x-served-by')).toBe('api');
      await plain.arrayBuffer();

      const first = await openSocket(listenPort);
      const second = await openSocket(listenPort);
      sockets.push(first.socket, second.socket);
      expect([first.servedBy, second.servedBy].sort()).toEqual(['rt-a', 'rt-b']);
      // The second one closes: its instance holds none, the other still one. Round robin would
      // send the next socket back to the first instance; least_conn sends it to the emptier one.
      const emptier = second.servedBy === 'rt-a' ? rtA : rtB;
      const closed = emptier.nextClose();
      second.socket.destroy();
      await closed;
      for (let i = 0; i < 3; i++) {
        const next = await openSocket(listenPort);
        sockets.push(next.socket);
        expect(next.servedBy, `socket ${i + 3}`).toBe(i === 0 ? second.servedBy : next.servedBy);
      }
      // Four held, two on each: the tier stays even as sockets come and go.
      expect([rtA.open(), rtB.open()]).toEqual([2, 2]);
      expect(api.open()).toBe(0);
    } finally {
      for (const s of sockets) s.destroy();
      await nginx.stop();
      await Promise.all([api.close(), rtA.close(), rtB.close()]);
    }
  });
});

describe.skipIf(!findNginx())('the balancer: plain requests by open connections', () => {
  it('sends requests to the instance with fewer in flight, not by turns', async () => {
    // Each instance holds /hold until released; anything else answers at once, naming itself.
    const held: (() => void)[] = [];
    const make = async (name: string) => {
      let holding = 0;
      const server = createServer((req, res) => {
        const answer = () => {
          res.writeHead(200, { 'x-served-by': name });
          res.end(name);
        };
        if (req.url === '/hold') {
          holding++;
          held.push(() => {
            holding--;
            answer();
          });
        } else answer();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return {
        name,
        holding: () => holding,
        address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      };
    };
    const [a, b] = await Promise.all([make('a'), make('b')]);
    const listenPort = await freePort();
    const base = `http://127.0.0.1:${listenPort}`;
    const nginx = await startNginx(
      renderBalancer({ listenHost: '127.0.0.1', listenPort, upstreams: [a.address, b.address] }),
      `${base}/healthz`,
    );
    try {
      const slow = fetch(`${base}/hold`);
      while (a.holding() + b.holding() === 0) await new Promise((r) => setTimeout(r, 10));
      const busy = a.holding() ? 'a' : 'b';
      // Round robin would alternate; least_conn keeps every one on the idle instance.
      const servedBy: string[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${base}/quick`);
        servedBy.push(await res.text());
      }
      expect(servedBy).toEqual(Array(6).fill(busy === 'a' ? 'b' : 'a'));
      for (const release of held.splice(0)) release();
      expect((await slow).status).toBe(200);
    } finally {
      for (const release of held.splice(0)) release();
      await nginx.stop();
      await Promise.all([a.close(), b.close()]);
    }
  });
});

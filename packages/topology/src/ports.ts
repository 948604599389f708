import { createServer } from 'node:net';

function listenOnce(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const taken = typeof address === 'object' && address ? address.port : null;
      server.close(() => resolve(taken));
    });
  });
}

/** Whether `port` on loopback can be listened on right now (nothing else holds it). */
export async function portIsFree(port: number): Promise<boolean> {
  return (await listenOnce(port)) !== null;
}

/** A TCP port free on loopback right now: the OS picks it, and it is released for a child to take. */
export async function freePort(): Promise<number> {
  const port = await listenOnce(0);
  if (port === null) throw new Error('the OS gave no free loopback port');
  return port;
}

/**
 * Four consecutive free ports from P: a stage's fronts take them in order (web P, API P+1, and at
 * stage 5 the object store P+2 and the edge P+3).
 */
export async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = 20_000 + Math.floor(Math.random() * 20_000);
    let free = true;
    for (let k = 0; k < 4 && free; k++) free = await portIsFree(p + k);
    if (free) return p;
  }
  throw new Error('no four consecutive free ports');
}

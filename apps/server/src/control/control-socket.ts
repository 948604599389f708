import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { z } from 'zod';
import { Role, Username } from '@graminsta/contracts';

/** The largest request line accepted; a seed request is a few dozen bytes. */
export const CONTROL_MAX_REQUEST_BYTES = 4096;
/** A connection that has not sent its request by then is closed. */
export const CONTROL_REQUEST_TIMEOUT_MS = 5_000;
export const MAX_SEED_USERS = 10_000;

export const ControlRequest = z.discriminatedUnion('command', [
  z.strictObject({
    command: z.literal('seed'),
    users: z.number().int().min(1).max(MAX_SEED_USERS),
  }),
  // `graminsta admin grant|revoke <username>`: the moderator role.
  z.strictObject({ command: z.literal('role'), username: Username, role: Role }),
]);
export type ControlRequest = z.infer<typeof ControlRequest>;

/** One JSON object per line back to the client: progress lines, then one `done` or `error`. */
export type ControlReply = { progress: string } | { done: string } | { error: string };

export interface ControlHandlers {
  seed(users: number, progress: (line: string) => void): Promise<string>;
  setRole(username: string, role: Role): Promise<string>;
}

export interface ControlSocket {
  path: string;
  close(): Promise<void>;
}

/**
 * The stage-1 server's local control socket, in its data folder (mode 0600: only the operator who
 * runs the server). Commands that must run inside the process holding the PGlite folder, like
 * `graminsta seed` beside a running server, come in here. Each connection sends one request line,
 * bounded in size and time; anything else closes that connection only.
 */
export async function listenControl(
  path: string,
  handlers: ControlHandlers,
  logger: Logger,
): Promise<ControlSocket> {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const server: Server = createServer((socket) => {
    serve(socket, async (request, reply) => {
      if (request.command === 'role') {
        // One quick update: no need to wait for a seed under way.
        try {
          return reply({ done: await handlers.setRole(request.username, request.role) });
        } catch (err) {
          logger.warn({ err }, 'control role change failed');
          return reply({ error: (err as Error).message });
        }
      }
      if (busy)
        return reply({ error: 'a seed is already running in this server; try again when it is done' });
      busy = true;
      const work = handlers.seed(request.users, (line) => reply({ progress: line }));
      running = work.catch(() => undefined);
      try {
        reply({ done: await work });
      } catch (err) {
        logger.error({ err }, 'control command failed');
        reply({ error: `seed failed: ${(err as Error).message}` });
      } finally {
        busy = false;
      }
    });
  });
  server.on('error', (err) => logger.warn({ err }, 'control socket error'));
  // We hold the data folder's lock, so a socket file left here is a dead process's: replace it.
  rmSync(path, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  return {
    path,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await running; // a seed under way finishes before the database closes
      rmSync(path, { force: true });
    },
  };
}

function serve(
  socket: Socket,
  run: (request: ControlRequest, reply: (r: ControlReply) => void) => Promise<void>,
): void {
  let buffered = '';
  let started = false;
  const reply = (r: ControlReply) => {
    if (socket.writable) socket.write(`${JSON.stringify(r)}\n`);
  };
  const refuse = (error: string) => {
    started = true;
    reply({ error });
    socket.end();
    socket.destroySoon();
  };
  socket.setEncoding('utf8');
  socket.on('error', () => socket.destroy()); // a client gone mid-reply: nothing to do
  socket.setTimeout(CONTROL_REQUEST_TIMEOUT_MS, () => {
    if (!started) socket.destroy();
  });
  socket.on('data', (chunk: string) => {
    if (started) return; // one request per connection; more bytes are ignored
    buffered += chunk;
    const newline = buffered.indexOf('\n');
    if (newline < 0) {
      if (Buffer.byteLength(buffered) > CONTROL_MAX_REQUEST_BYTES) refuse('request too large');
      return;
    }
    started = true;
    socket.setTimeout(0);
    let request: ControlRequest;
    try {
      request = ControlRequest.parse(JSON.parse(buffered.slice(0, newline)));
    } catch {
      return refuse('not a control request');
    }
    void run(request, reply).finally(() => socket.end());
  });
}

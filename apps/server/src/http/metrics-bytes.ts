import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Counter, type Registry } from 'prom-client';

/**
 * Bytes read from and written to the sockets of one HTTP server, headers and bodies alike, counted
 * by the kernel rather than by a hook: a body the routes never parse (or a request refused before
 * any route) still shows. Stage 5's proof that upload bytes go to the object store, never here.
 */
export function countSocketBytes(server: Server, registry: Registry): void {
  const open = new Set<Socket>();
  // What sockets closed so far carried; open ones are read at each scrape.
  const closed = { read: 0, written: 0 };
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      closed.read += socket.bytesRead;
      closed.written += socket.bytesWritten;
    });
  });
  const total = (side: 'read' | 'written') => {
    let sum = closed[side];
    for (const s of open) sum += side === 'read' ? s.bytesRead : s.bytesWritten;
    return sum;
  };
  // Collected on scrape: the counter moves up by what was carried since the last one.
  const counter = (name: string, help: string, side: 'read' | 'written') => {
    let reported = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const now = total(side);
        if (now > reported) this.inc(now - reported);
        reported = Math.max(reported, now);
      },
    });
  };
  counter('graminsta_http_received_bytes_total', 'Bytes received on the HTTP listener', 'read');
  counter('graminsta_http_sent_bytes_total', 'Bytes sent on the HTTP listener', 'written');
}

import { connect } from 'node:net';

/**
 * Writes `bytes` to a fresh TCP connection as they are (no HTTP client to tidy them up) and
 * resolves with what came back (latin1) once the server closes, or after `waitMs`. For
 * hostile-input tests against listeners that are not ours (nginx, the object store).
 */
export function sendRawBytes(host: string, port: number, bytes: Buffer, waitMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    const socket = connect(port, host);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(data);
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    // A reset is one way of being refused.
    socket.on('error', done);
    socket.on('close', done);
    socket.on('connect', () => socket.write(bytes));
  });
}

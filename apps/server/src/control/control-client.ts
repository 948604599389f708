import { connect } from 'node:net';
import type { ControlReply, ControlRequest } from './control-socket.ts';

/**
 * Sends one request to a running server's control socket and relays its progress lines. Resolves
 * with the final message; rejects with the server's error, or when the connection ends without one.
 */
export function sendControl(
  path: string,
  request: ControlRequest,
  onProgress: (line: string) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let buffered = '';
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      socket.end();
      fn();
    };
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const reply = JSON.parse(buffered.slice(0, nl)) as ControlReply;
        buffered = buffered.slice(nl + 1);
        if ('progress' in reply) onProgress(reply.progress);
        else if ('done' in reply) settle(() => resolve(reply.done));
        else settle(() => reject(new Error(reply.error)));
      }
    });
    socket.on('error', (err) => settle(() => reject(err)));
    socket.on('close', () =>
      settle(() => reject(new Error(`the server at ${path} closed the connection before answering`))),
    );
  });
}

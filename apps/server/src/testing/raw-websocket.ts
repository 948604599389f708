import { randomBytes } from 'node:crypto';
import net from 'node:net';

/**
 * Hand-written WebSocket bytes over plain TCP, for tests that must send what the `ws` client
 * refuses to: broken frames, lying lengths, bad upgrade requests.
 */

export interface FrameSpec {
  opcode: number;
  payload: Uint8Array;
  fin?: boolean;
  /** Clients must mask; a test may leave it off to see the server refuse. */
  masked?: boolean;
  /** Claims a length other than the payload's own (a lying or truncated frame). */
  declaredLength?: number;
}

export function encodeFrame({
  opcode,
  payload,
  fin = true,
  masked = true,
  declaredLength,
}: FrameSpec): Buffer {
  const length = declaredLength ?? payload.length;
  const head = [(fin ? 0x80 : 0) | (opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126) head.push(maskBit | length);
  else if (length < 0x10000) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(BigInt(length));
  }
  if (!masked) return Buffer.concat([Buffer.from(head), extended, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload.map((byte, i) => byte ^ key[i % 4]!));
  return Buffer.concat([Buffer.from(head), extended, key, body]);
}

/** A text frame as a client sends it. */
export const textFrame = (text: string | Uint8Array) =>
  encodeFrame({ opcode: 1, payload: typeof text === 'string' ? Buffer.from(text) : text });

/** The request line and headers of a well-formed upgrade to `path`, plus any extra header lines. */
export function upgradeRequest(host: string, path = '/ws', extra: string[] = []): string {
  return [
    `GET ${path} HTTP/1.1`,
    `Host: ${host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    ...extra,
    '',
    '',
  ].join('\r\n');
}

export interface RawConnection {
  socket: net.Socket;
  /** Everything the server sent so far. */
  received(): Buffer;
  /** The status code of the server's first response line, once it has arrived. */
  status(): Promise<number>;
  /** Sends our last bytes, half-closes, and waits until the server has closed too. */
  finish(bytes?: Uint8Array | string): Promise<void>;
}

/** Opens a TCP connection to an http(s) URL's host and port and writes `first`. */
export function rawConnect(url: string, first: Uint8Array | string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => {
      socket.off('error', reject);
      socket.on('error', () => undefined); // a reset from the server is a fine answer here
      resolve(connection(socket));
    });
    socket.once('error', reject);
    socket.write(first);
  });
}

function connection(socket: net.Socket): RawConnection {
  const chunks: Buffer[] = [];
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('data', (d: Buffer) => chunks.push(d));
  return {
    socket,
    received: () => Buffer.concat(chunks),
    status: () =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = /^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'));
          if (!match) return false;
          socket.off('data', check);
          resolve(Number(match[1]));
          return true;
        };
        if (check()) return;
        socket.on('data', check);
        void closed.then(() => check() || reject(new Error('closed before any response')));
      }),
    async finish(bytes) {
      if (bytes !== undefined && bytes.length > 0 && socket.writable) socket.write(bytes);
      if (!socket.destroyed) socket.end();
      await closed;
    },
  };
}

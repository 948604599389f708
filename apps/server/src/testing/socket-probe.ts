import WebSocket from 'ws';

type Message = { type?: unknown; code?: unknown };

/** One /ws client for tests: records what the server sends and how it ends. */
export class SocketProbe {
  readonly ws: WebSocket;
  readonly messages: Message[] = [];
  /** Resolves with the status when the server answers the upgrade with something other than 101. */
  readonly refused: Promise<number>;
  /** Resolves with the close code (1006 when the connection just dropped). */
  readonly closed: Promise<number>;
  private readonly waiters = new Set<() => void>();

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.refused = new Promise((resolve) =>
      this.ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        this.ws.terminate();
      }),
    );
    this.closed = new Promise((resolve) => this.ws.once('close', (code) => resolve(code)));
    this.ws.on('error', () => undefined); // the close that follows says what happened
    this.ws.on('message', (raw) => {
      try {
        this.messages.push(JSON.parse(raw.toString()) as Message);
      } catch {
        this.messages.push({ type: 'unparsable' });
      }
      for (const wake of this.waiters) wake();
    });
    void this.closed.then(() => this.waiters.forEach((wake) => wake()));
  }

  /** Waits until the socket is open; false if it closed or was refused first. */
  open(): Promise<boolean> {
    if (this.ws.readyState === WebSocket.OPEN) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.ws.once('open', () => resolve(true));
      void this.closed.then(() => resolve(false));
    });
  }

  /** Sends now, or once open (in order), as a client does that sends from its open handler. */
  send(message: object | string): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
    else if (this.ws.readyState === WebSocket.CONNECTING) this.ws.once('open', () => this.ws.send(text));
  }

  /** The first message of that type, or null if the socket closed before one came. */
  async next(type: string): Promise<Message | null> {
    let closed = false;
    void this.closed.then(() => (closed = true));
    for (;;) {
      const found = this.messages.find((m) => m.type === type);
      if (found) return found;
      if (closed || this.ws.readyState === WebSocket.CLOSED) return null;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          resolve();
        };
        this.waiters.add(wake);
      });
    }
  }

  /** 'ready' once the server says so, else how the socket ended. */
  async outcome(): Promise<string> {
    return Promise.race([
      this.next('ready').then((m) => (m ? 'ready' : this.closed.then((code) => `closed ${code}`))),
      this.refused.then((status) => `refused ${status}`),
    ]);
  }

  close(): Promise<number> {
    this.ws.close();
    return this.closed;
  }
}

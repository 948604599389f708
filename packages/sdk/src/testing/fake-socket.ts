import type { WebSocketLike } from '../realtime.ts';

/** A /ws socket the test opens, feeds and closes by hand, playing the server's side. */
export class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  static latest(): FakeSocket {
    const last = FakeSocket.all.at(-1);
    if (!last) throw new Error('no socket opened');
    return last;
  }
  sent: Array<Record<string, unknown>> = [];
  closedWith: number | null = null;
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code = 1000) {
    this.closedWith = code;
  }
  serverOpens() {
    this.onopen?.({});
  }
  /** Opens and answers `ready`, as the server does after a good auth message. */
  serverReady() {
    this.serverOpens();
    this.serverSends({ type: 'ready' });
  }
  serverSends(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  serverCloses(code = 1006) {
    this.onclose?.({ code, reason: '' });
  }
}

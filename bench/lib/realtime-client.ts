/**
 * One client process of the realtime benchmark (bench/realtime.ts), driven over IPC. It opens
 * authenticated /ws sockets from one source address (a process holds fewer than 20,000 fds, and
 * one address has about 28,000 ephemeral ports), counts the events each socket receives, and
 * keeps publish→receive latencies of the events a phase marks.
 *
 * Events carry `data.reason` (post.new: `data.author.username`) = "<phase>:<publish time in ns>": the publisher's
 * process.hrtime.bigint(), CLOCK_MONOTONIC, one clock for every process of the machine.
 */
import WebSocket from 'ws';
import type { ClientCommand, ClientReply, SocketSpec } from './realtime-protocol.ts';

const sockets: WebSocket[] = [];
let counts = new Uint32Array(0);
let latencies = new Map<string, number[]>();
/** Only when a phase asks: a delivery that is just counted costs the client no JSON parse. */
let timing = false;
let closedEarly = 0;

function reply(msg: ClientReply): void {
  process.send?.(msg);
}

function openOne(url: string, spec: SocketSpec, index: number, localAddress: string): Promise<string | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, {
      localAddress,
      perMessageDeflate: false,
      // The tier sits behind a balancer that names the client; each socket is its own client.
      headers: { 'x-forwarded-for': spec.forwardedFor },
      handshakeTimeout: 60_000,
    });
    let ready = false;
    const settle = (err: string | null) => {
      if (ready) return;
      ready = true;
      resolve(err);
    };
    ws.on('error', (err) => settle(err.message));
    ws.on('close', (code) => {
      if (ready) closedEarly++;
      settle(`closed ${code}`);
    });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: spec.token })));
    ws.on('message', (raw) => {
      if (!ready) {
        const text = String(raw);
        if (text === '{"type":"ready"}') {
          sockets[index] = ws;
          return settle(null);
        }
        return settle(`unexpected first message ${text.slice(0, 80)}`);
      }
      counts[index]!++;
      if (!timing) return;
      const now = process.hrtime.bigint();
      const event = JSON.parse(String(raw)) as {
        data?: { reason?: string; author?: { username?: string } };
      };
      // photo.failed carries the mark in `reason`; a fan-out post.new in its author's name.
      const [phase, sent] = (event.data?.reason ?? event.data?.author?.username ?? '').split(':');
      if (!phase || !sent) return;
      let list = latencies.get(phase);
      if (!list) latencies.set(phase, (list = []));
      list.push(Number(now - BigInt(sent)) / 1e6);
    });
  });
}

async function connect(url: string, specs: SocketSpec[], localAddress: string, parallel: number) {
  counts = new Uint32Array(specs.length);
  const errors: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const i = next++;
      const err = await openOne(url, specs[i]!, i, localAddress);
      if (err && errors.length < 5) errors.push(err);
      else if (err) errors.push('');
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, specs.length) }, worker));
  return { opened: specs.length - errors.length, errors: errors.filter(Boolean) };
}

process.on('message', (msg: ClientCommand) => {
  void (async () => {
    switch (msg.cmd) {
      case 'connect': {
        const r = await connect(msg.url, msg.sockets, msg.localAddress, msg.parallel);
        return reply({ type: 'connected', ...r });
      }
      case 'timing':
        timing = msg.on;
        latencies = new Map();
        return reply({ type: 'ok' });
      case 'stats': {
        let total = 0;
        for (const c of counts) total += c;
        return reply({
          type: 'stats',
          total,
          closedEarly,
          perSocket: msg.perSocket ? [...counts] : [],
          latencies: msg.latencies ? Object.fromEntries(latencies) : {},
        });
      }
      case 'close':
        for (const ws of sockets) ws?.terminate();
        return reply({ type: 'ok' });
    }
  })().catch((err: unknown) => reply({ type: 'error', message: String(err) }));
});
process.on('disconnect', () => process.exit(0));
reply({ type: 'ok' });

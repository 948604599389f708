/**
 * The realtime benchmark's ceiling: a bare `ws` server doing the gateway's job the plainest way.
 * A socket sends `{"type":"auth","token":…}`; the token's SHA-256 is looked up in the sessions
 * table (one query, as the gateway's first authentication does); the socket then joins its
 * user's Redis channel (`<prefix>user:<id>`, one SUBSCRIBE per user on one connection) and every
 * message on it is written to the user's sockets as it came, unparsed. No limits, no replay,
 * no per-socket logger: what is left is the cost of a socket. Fan-out messages (`<prefix>fanout`)
 * are delivered to the users held here, as the tier does.
 *
 *   node --import tsx bench/lib/raw-ws-server.ts   (PORT, DATABASE_URL, REDIS_URL, PUBSUB_PREFIX)
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import pg from 'pg';
import { WebSocketServer, type WebSocket } from 'ws';

const port = Number(process.env.PORT);
const prefix = process.env.PUBSUB_PREFIX ?? 'graminsta:events:';
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
pool.on('error', (err) => console.error('pg pool error', err.message));
const subscriber = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: false });
subscriber.on('error', (err) => console.error('redis error', err.message));
const channels = new Map<string, Set<WebSocket>>();

const fanoutChannel = `${prefix}fanout`;
subscriber.on('message', (channel: string, text: string) => {
  if (channel === fanoutChannel) return fanout(text);
  const set = channels.get(channel);
  if (set) for (const ws of set) ws.send(text);
});
// The same fan-out message the realtime tier takes (one per batch of followers:
// `{type, data, to: [[userId, eventId]…]}`), handled the same plain way: parsed once, the body
// serialized once, each held user's frame the body with its id spliced in.
void subscriber.subscribe(fanoutChannel).catch((err: Error) => console.error('subscribe', err.message));
function fanout(text: string): void {
  let msg: { type: string; data: unknown; to: [string, string][] };
  try {
    msg = JSON.parse(text) as typeof msg;
  } catch {
    return;
  }
  let body: string | null = null;
  for (const [userId, eventId] of msg.to) {
    const set = channels.get(`${prefix}user:${userId}`);
    if (!set) continue;
    body ??= JSON.stringify({ type: msg.type, data: msg.data }).slice(1);
    const frame = `{"id":${JSON.stringify(eventId)},${body}`;
    for (const ws of set) ws.send(frame);
  }
}

async function authenticate(token: string): Promise<string | null> {
  const hash = createHash('sha256').update(token).digest('base64url');
  const { rows } = await pool.query<{ user_id: string }>(
    'select user_id::text from sessions where token_hash = $1 and expires_at > now()',
    [hash],
  );
  return rows[0]?.user_id ?? null;
}

const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
wss.on('error', (err) => console.error('wss error', err.message));
const server = createServer((_req, res) => res.writeHead(404).end());
server.headersTimeout = 10_000;
server.requestTimeout = 10_000;
server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => socket.destroy());
  if (req.url !== '/ws') return void socket.destroy();
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('error', () => ws.terminate());
    ws.once('message', (raw) => {
      void (async () => {
        const msg = JSON.parse(String(raw)) as { type?: string; token?: string };
        const userId =
          msg.type === 'auth' && typeof msg.token === 'string' ? await authenticate(msg.token) : null;
        if (!userId) return ws.close(4401, 'invalid token');
        const channel = `${prefix}user:${userId}`;
        let set = channels.get(channel);
        if (!set) {
          channels.set(channel, (set = new Set()));
          await subscriber.subscribe(channel);
        }
        set.add(ws);
        ws.once('close', () => {
          set.delete(ws);
          if (set.size > 0) return;
          channels.delete(channel);
          subscriber.unsubscribe(channel).catch(() => {});
        });
        ws.send('{"type":"ready"}');
      })().catch(() => ws.close(1011, 'internal error'));
    });
  });
});
server.listen(port, '127.0.0.1', () => console.log(`raw ws ready at ws://127.0.0.1:${port}/ws`));
process.once('SIGTERM', () => {
  for (const ws of wss.clients) ws.terminate();
  server.close();
  void Promise.allSettled([pool.end(), subscriber.quit()]).then(() => process.exit(0));
});

import http from 'node:http';

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Whether the request carries something every route must refuse (a control character). */
  mustRefuse: boolean;
}

export type FuzzAnswer = { status: number; body: string } | { error: string };

// A connection per request: an answer is judged alone, never by what a previous one left behind.
const agent = new http.Agent({ keepAlive: false, maxSockets: 2 });

/**
 * Sends one request byte for byte as given (no URL normalising, broken escapes kept), and
 * reads the whole answer. A connection the server cut is an answer too, not a throw.
 */
export function sendRaw(base: URL, req: FuzzRequest): Promise<FuzzAnswer> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body) headers['content-length'] = req.body.length;
    const r = http.request(
      { host: base.hostname, port: base.port, method: req.method, path: req.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
      },
    );
    // Generous: a wait for an answer on a busy machine, not a timing check.
    r.setTimeout(30_000, () => r.destroy(new Error('no answer within 30 s')));
    r.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    r.end(req.body);
  });
}

export const closeFuzzClient = () => agent.destroy();

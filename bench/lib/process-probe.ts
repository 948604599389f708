/**
 * What the realtime benchmark asks of a server process from outside: its resident memory and CPU
 * seconds (/proc, Linux only), and, over the V8 inspector it was started with
 * (`--inspect=127.0.0.1:<port>`), a full garbage collection and `process.memoryUsage()`. The
 * inspector serves both servers alike, so neither needs a debug endpoint of its own.
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

/** Resident set size in bytes (VmRSS). */
export function residentBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** User + system CPU seconds the process has used (USER_HZ is 100 on Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface HeapFigures {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** One Chrome DevTools Protocol session on a process's inspector port. */
export class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();
  private chunks: string[] | null = null;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as {
        id?: number;
        method?: string;
        params?: { chunk?: string };
        result?: unknown;
        error?: unknown;
      };
      if (msg.method === 'HeapProfiler.addHeapSnapshotChunk') this.chunks?.push(msg.params?.chunk ?? '');
      if (msg.id === undefined) return;
      this.pending.get(msg.id)?.(msg.error ? { error: msg.error } : msg.result);
      this.pending.delete(msg.id);
    });
    ws.on('error', () => {});
  }

  static async open(port: number): Promise<Inspector> {
    const res = await fetch(`http://127.0.0.1:${port}/json/list`);
    const [target] = (await res.json()) as Array<{ webSocketDebuggerUrl: string }>;
    if (!target) throw new Error(`no inspector target on port ${port}`);
    const ws = new WebSocket(target.webSocketDebuggerUrl, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Inspector(ws);
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Two full collections (the second takes what finalizers of the first let go), then the figures. */
  async collectAndMeasure(): Promise<HeapFigures> {
    await this.call('HeapProfiler.collectGarbage');
    await this.call('HeapProfiler.collectGarbage');
    const r = (await this.call('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    })) as { result?: { value?: string } };
    if (!r.result?.value) throw new Error(`Runtime.evaluate failed: ${JSON.stringify(r)}`);
    return JSON.parse(r.result.value) as HeapFigures;
  }

  /**
   * Self size and count per (node type, constructor or name) of the live heap, after a GC: two
   * censuses around a change say which objects it added. The snapshot is parsed here and dropped.
   */
  async heapCensus(): Promise<Map<string, { count: number; bytes: number }>> {
    this.chunks = [];
    await this.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    const snapshot = JSON.parse(this.chunks.join('')) as {
      snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
      nodes: number[];
      strings: string[];
    };
    this.chunks = null;
    const fields = snapshot.snapshot.meta.node_fields;
    const width = fields.length;
    const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
    const types = snapshot.snapshot.meta.node_types[0];
    const census = new Map<string, { count: number; bytes: number }>();
    const { nodes, strings } = snapshot;
    for (let i = 0; i < nodes.length; i += width) {
      const type = types[nodes[i + typeAt!]!]!;
      // Strings and code are counted by type; objects by their constructor's name.
      const name = type === 'object' || type === 'closure' ? strings[nodes[i + nameAt!]!]! : '';
      const key = `${type}${name ? ` ${name}` : ''}`;
      const entry = census.get(key) ?? { count: 0, bytes: 0 };
      entry.count++;
      entry.bytes += nodes[i + sizeAt!]!;
      census.set(key, entry);
    }
    return census;
  }

  close(): void {
    this.ws.close();
  }
}

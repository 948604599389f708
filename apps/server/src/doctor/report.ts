import { open } from 'node:fs/promises';
import type { Diagnosis, ScalingDecision } from './diagnose.ts';

// The tail is enough for "recent": the autoscaler writes one short line per decision.
const TAIL_BYTES = 64 * 1024;
const RECENT = 10;

/** One line of scaling.jsonl as a decision, or null when it is not one (a torn or foreign line). */
export function parseDecision(line: string): ScalingDecision | null {
  let d: unknown;
  try {
    d = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof d !== 'object' || d === null) return null;
  const r = d as Record<string, unknown>;
  const ok =
    typeof r.at === 'string' &&
    typeof r.group === 'string' &&
    Number.isInteger(r.from) &&
    Number.isInteger(r.to) &&
    typeof r.reason === 'string';
  if (!ok) return null;
  // Control characters would let a line of the file rewrite the operator's terminal.
  const clip = (s: string) =>
    [...s.slice(0, 200)].map((c) => (c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127 ? ' ' : c)).join('');
  return {
    at: clip(r.at as string),
    group: clip(r.group as string),
    from: r.from as number,
    to: r.to as number,
    reason: clip(r.reason as string),
    ...(typeof r.measured === 'object' && r.measured !== null
      ? { measured: r.measured as Record<string, unknown> }
      : {}),
  };
}

/** The autoscaler's last decisions from $DATA_DIR/scaling.jsonl (none when there is no file). */
export async function readScaling(file: string): Promise<ScalingDecision[]> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return [];
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    const lines = buf.toString('utf8').split('\n');
    if (start > 0) lines.shift(); // the first line may be cut
    return lines
      .map(parseDecision)
      .filter((d): d is ScalingDecision => d !== null)
      .slice(-RECENT);
  } finally {
    await handle.close();
  }
}

const fixed = (x: number | null, digits = 1) => (x === null ? '-' : x.toFixed(digits));

/** The human report: findings first, then the numbers they came from. */
export function renderReport(d: Diagnosis): string {
  const n = d.numbers;
  const out: string[] = [`graminsta doctor: stage ${n.stage}, ${n.seconds.toFixed(1)} s window`, ''];
  d.findings.forEach((f, i) => {
    out.push(`${i + 1}. ${f.what}: ${f.evidence}`);
    out.push(`   → ${f.remedy}`);
  });
  if (d.scaling.length) {
    out.push('', 'Scaling decisions (latest last):');
    for (const s of d.scaling) out.push(`  ${s.at}  ${s.group} ${s.from} → ${s.to}: ${s.reason}`);
  }
  out.push('', 'tier        inst  cpu%  max%  req/s   5xx%  p99≤(s)  loop p99(s)  silent');
  for (const t of n.tiers)
    out.push(
      [
        t.group.padEnd(10),
        String(t.instances).padStart(5),
        fixed(t.cpuPercent, 0).padStart(5),
        fixed(t.cpuPercentMax, 0).padStart(5),
        fixed(t.requestsPerSecond).padStart(6),
        fixed(t.errorShare * 100).padStart(6),
        (t.p99Seconds === Infinity ? '>max' : fixed(t.p99Seconds, 3)).padStart(8),
        fixed(t.eventLoopP99Seconds, 3).padStart(12),
        `  ${t.silent.join(',') || '-'}`,
      ].join(' '),
    );
  const db = n.database;
  out.push(
    '',
    `database: cpu ${fixed(db.cpuPercent, 0)} % of a core (${db.cpuOf}), ${fixed(db.queriesPerSecond)} queries/s, ` +
      `${fixed(db.commitsPerSecond)} commits/s, rows read ${fixed(db.rowsReadPerSecond, 0)}/s, written ${fixed(db.rowsWrittenPerSecond, 0)}/s, ` +
      `active ${db.active ?? '-'}, waiting on locks ${db.waitingOnLocks ?? '-'}${db.problem ? ` (${db.problem})` : ''}`,
  );
  for (const s of db.statements)
    out.push(`  statement ${s.statement}: ${fixed(s.perSecond)}/s (${Math.round(s.share * 100)} %)`);
  const primaryBy = Object.entries(n.reads.primaryBy)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  if (n.reads.primary + n.reads.replica > 0)
    out.push(
      `plain reads: replica ${n.reads.replica}, primary ${n.reads.primary}${primaryBy ? ` (${primaryBy})` : ''}`,
    );
  for (const r of n.replicas)
    out.push(
      `replica ${r.index}: lag ${r.beyondHistory ? '>history' : `${fixed(r.lagSeconds)} s`}, ` +
        `${r.behindBytes === null ? '?' : r.behindBytes} bytes behind, replay ${r.paused === null ? '?' : r.paused ? 'paused' : 'running'}`,
    );
  out.push(
    `cache: ${n.cache.state}, ${fixed(n.cache.readsPerSecond)} reads/s, hit ratio ${n.cache.hitRatio === null ? '-' : `${Math.round(n.cache.hitRatio * 100)} %`}`,
    `queue: waiting ${n.queue.waitingBefore ?? '-'} → ${n.queue.waitingAfter ?? '-'}, active ${n.queue.active ?? '-'}, ` +
      `started ${fixed(n.queue.startedPerSecond)}/s, mean wait ${fixed(n.queue.meanWaitSeconds, 2)} s`,
    `realtime: ${n.realtime.connections} sockets, ${fixed(n.realtime.deliveriesPerSecond)} deliveries/s, mean ${fixed(n.realtime.meanDeliverySeconds, 3)} s`,
  );
  return out.join('\n');
}

import { createHash, randomBytes } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { usingPostgres } from '@graminsta/core/testing/test-db';
import { sendRawBytes } from '@graminsta/topology';
import { startStage, type StageProcess } from '../src/testing/stage-process.ts';
import { startSmtpTestServer, type SmtpTestServer } from '@graminsta/platform/mail/smtp-test-server';
import { safetyJourney } from '../src/testing/safety-journey.ts';
import {
  launchChromium,
  openPage,
  saveFailureArtifacts,
  unexpectedPageErrors,
} from '../../web/test/browser.ts';
import { ensureWebBuild } from '../../web/test/stage3-topology.ts';
import { rush } from '../src/testing/rush.ts';
import { runDoctorCli } from '../src/testing/doctor-run.ts';
import { prometheusApi } from '../src/testing/prometheus-api.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A JPEG of noise at full quality and full chroma: about 5.4 MB, which no JSON request comes near,
 * from 1.9 megapixels, so the workers' share of a loaded CI machine still makes its variants in time.
 */
async function fiveMegabyteJpeg(): Promise<Buffer> {
  const [width, height] = [1700, 1100];
  const pixels = randomBytes(width * height * 3);
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
    .toBuffer();
}

/** The bytes every API instance has received on its listener, from each one's /metrics. */
async function apiReceivedBytes(stage: StageProcess): Promise<number> {
  const apis = (await stage.topology()).processes.filter((p) => p.name.startsWith('api-'));
  let sum = 0;
  for (const p of apis) {
    const text = await (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text();
    const line = /^graminsta_http_received_bytes_total (\d+)/m.exec(text);
    if (!line) throw new Error(`${p.name} has no byte counter`);
    sum += Number(line[1]);
  }
  return sum;
}

// Stage 5 runs on PostgreSQL (many processes, one database): the PostgreSQL pass runs it, once,
// on one topology shared by every test here. They run in order.
describe.skipIf(!usingPostgres())('stage 5', () => {
  let stage: StageProcess;
  let urls: { api: string; web: string; store?: string; cdn?: string };
  let cdn: string;
  let store: string;
  let smtp: SmtpTestServer;

  let apiCalls = 0;
  const api = async (method: string, path: string, token?: string, body?: unknown) => {
    apiCalls++;
    const res = await fetch(`${urls.api}/api/v1${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Json };
  };

  beforeAll(async () => {
    // The web tier serves the built client.
    ensureWebBuild();
    smtp = await startSmtpTestServer();
    // With --monitor: this topology is also the proof that stage 5 is watched whole.
    stage = await startStage(5, ['--monitor', '--api', '2', '--web', '1', '--workers', '2'], {
      SMTP_URL: smtp.url,
    });
    urls = (await stage.topology()).urls;
    cdn = urls.cdn!;
    store = urls.store!;
  }, 240_000);
  afterAll(async () => {
    expect(await stage?.stop()).toBe(0);
    await smtp?.close();
  }, 120_000);

  it('keeps trust and safety with the object store and the worker tier', async () => {
    await safetyJourney(
      { api: urls.api, smtp, cliEnv: { DATABASE_URL: stage.databaseUrl, DATA_DIR: stage.dataDir } },
      'ts5',
    );
  }, 240_000);

  it('runs the object store, the tiers, a worker tier and the edge, and no storage role', async () => {
    const topology = await stage.topology();
    expect(topology.processes.map((p) => p.name).sort()).toEqual([
      'api-1',
      'api-2',
      'edge',
      // --monitor's: one exporter per nginx, the edge's cache outcomes, PostgreSQL, the machine.
      'edge-cache-exporter',
      'edge-exporter',
      'lb-api',
      'lb-api-exporter',
      'lb-web',
      'lb-web-exporter',
      'node-exporter',
      'object-store',
      'postgres-exporter',
      'prometheus',
      'web-1',
      'worker-1',
      'worker-2',
    ]);
    for (const p of topology.processes) expect(p.pid).toBeGreaterThan(0);
    expect(Object.keys(topology.urls).sort()).toEqual(['api', 'cdn', 'prometheus', 'store', 'web']);
    // The store answers S3 on its front, the edge its health; neither is the API.
    expect((await fetch(`${store}/graminsta?max-keys=0`)).status).toBe(200);
    expect((await fetch(`${cdn}/healthz`)).status).toBe(200);
    expect((await fetch(`${cdn}/api/v1/session`)).status).toBe(404);
  });

  it('takes a 5 MB photo straight to the store: the API receives only small JSON requests', async () => {
    const signup = await api('POST', '/accounts', undefined, {
      username: 'straight_up',
      password: 'a stage five password',
    });
    expect(signup.status).toBe(201);
    const token = signup.body.token as string;
    const jpeg = await fiveMegabyteJpeg();
    expect(jpeg.length).toBeGreaterThan(5_000_000);

    const before = await apiReceivedBytes(stage);
    const callsBefore = apiCalls;
    const up = await api('POST', '/uploads', token, { contentType: 'image/jpeg', size: jpeg.length });
    expect(up.status).toBe(201);
    const target = up.body.upload as { method: string; url: string; fields: Record<string, string> };
    expect(target.method).toBe('POST');
    expect(new URL(target.url).origin).toBe(store);
    const form = new FormData();
    for (const [name, value] of Object.entries(target.fields)) form.append(name, value);
    form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }));
    const sent = await fetch(target.url, { method: 'POST', body: form });
    expect(sent.status).toBeLessThan(300);

    // The original sits under uploads/ in the store; the edge never serves it.
    const originalKey = target.fields.key!;
    expect(originalKey.startsWith('uploads/')).toBe(true);
    expect((await fetch(`${cdn}/${originalKey}`)).status).toBe(404);
    // Nor does the store give the original to anyone who asks without signing, as a private bucket would not.
    expect((await fetch(`${store}/graminsta/${originalKey}`)).status).toBe(403);

    const created = await api('POST', '/photos', token, {
      uploadId: up.body.uploadId,
      caption: 'straight up',
    });
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    let photo: Json = created.body;
    // Up to five minutes: noise is the slowest thing to encode, and CI runs other tests beside it.
    for (let i = 0; i < 300 && photo.status !== 'ready'; i++) {
      await sleep(1000);
      photo = (await api('GET', `/photos/${id}`, token)).body;
      expect(photo.status).not.toBe('failed');
    }
    expect(photo.status).toBe('ready');
    const received = (await apiReceivedBytes(stage)) - before;
    const calls = apiCalls - callsBefore;
    // Two small JSON requests and the status polls, each well under 1 KiB: against 5 MB.
    console.log(
      `API instances received ${received} bytes in ${calls} requests for a ${jpeg.length}-byte photo`,
    );
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(calls * 1024);
    expect(received).toBeLessThan(jpeg.length / 20);

    // Variants come from the edge: a miss, then hits, with immutable caching.
    const urlsOf = Object.values(photo.variants as Record<string, { url: string }>).map((v) => v.url);
    expect(urlsOf.length).toBeGreaterThanOrEqual(4);
    for (const url of urlsOf) {
      expect(url.startsWith(`${cdn}/p/${id}/`)).toBe(true);
      const first = await fetch(url);
      expect(first.status).toBe(200);
      await first.arrayBuffer();
      expect(first.headers.get('x-cache-status')).toBe('MISS');
      const second = await fetch(url);
      const bytes = Buffer.from(await second.arrayBuffer());
      expect(second.headers.get('x-cache-status')).toBe('HIT');
      expect(second.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(second.headers.get('content-type')).toMatch(/^image\/(webp|avif)$/);
      expect(bytes.length).toBeGreaterThan(100);
    }
    // Processed: the original is gone from the store too (asked with the stage's keys).
    const s3 = new S3Client({
      endpoint: store,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await expect(
      s3.send(new HeadObjectCommand({ Bucket: 'graminsta', Key: originalKey })),
    ).rejects.toMatchObject({
      name: 'NotFound',
    });

    // Deleted: every variant URL stops answering at the edge, though the edge had cached it.
    expect((await api('DELETE', `/photos/${id}`, token)).status).toBe(200);
    for (const url of urlsOf) {
      let status = 0;
      for (let i = 0; i < 50 && status !== 404; i++) {
        if (i > 0) await sleep(100);
        const res = await fetch(url);
        await res.arrayBuffer();
        status = res.status;
      }
      expect(status, url).toBe(404);
    }
  }, 420_000);

  it("with --monitor: Prometheus scrapes every process of stage 5, and charts the edge's hit ratio as photos are viewed", async () => {
    const topology = await stage.topology();
    const prometheus = prometheusApi(topology.urls.prometheus!);
    const targets = await prometheus.expectTargetsUp(prometheus.scrapedNames(topology));
    expect(
      targets
        .filter((t) => t.labels.job === 'nginx-exporter')
        .map((t) => t.labels.tier)
        .sort(),
    ).toEqual(['edge', 'lb-api', 'lb-web']);
    expect(targets.find((t) => t.labels.job === 'edge-exporter')?.labels.tier).toBe('edge');

    // An object of the seed's kind, put with the stage's keys, then viewed through the edge: one
    // miss, then hits, each logged by nginx to the cache exporter and scraped.
    const s3 = new S3Client({
      endpoint: store,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const body = randomBytes(30_000);
    const key = `seed/${createHash('sha256').update(body).digest('hex')}.webp`;
    await s3.send(
      new PutObjectCommand({ Bucket: 'graminsta', Key: key, Body: body, ContentType: 'image/webp' }),
    );
    s3.destroy();
    const view = async () => {
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${cdn}/${key}`);
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    };
    // The ops page's expression (edge-hit-ratio), while views keep coming: above 0.5 once two
    // scrapes have seen the hits grow.
    const ratio = async () => {
      await view();
      const [row] = await prometheus.query(
        'sum(rate(graminsta_edge_requests_total{cache="hit"}[30s])) / sum(rate(graminsta_edge_requests_total[30s]))',
      );
      return Number(row?.value[1] ?? 0);
    };
    await expect.poll(ratio, { timeout: 60_000, interval: 1_000 }).toBeGreaterThan(0.5);
    const sent = await prometheus.query('sum(graminsta_edge_sent_bytes_total{cache="hit"})');
    expect(Number(sent[0]?.value[1] ?? 0)).toBeGreaterThanOrEqual(10 * 30_000);
    // What the exporters watch answers them: each nginx and PostgreSQL.
    await expect
      .poll(
        async () => (await prometheus.query('nginx_up')).map((r) => `${r.metric.tier}=${r.value[1]}`).sort(),
        {
          timeout: 30_000,
          interval: 1_000,
        },
      )
      .toEqual(['edge=1', 'lb-api=1', 'lb-web=1']);
    expect((await prometheus.query('pg_up')).map((r) => r.value[1])).toEqual(['1']);
  }, 120_000);

  it('refuses hostile bytes at the edge and the object store, and both still answer', async () => {
    // A file beside the store's folder: no path may read it.
    await writeFile(join(stage.dataDir, 'secret.txt'), 'the-stage-secret');
    const hostile = [
      randomBytes(8192),
      Buffer.from('GET /\u0000\u0001\u00ff HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'),
      Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`),
      Buffer.from(`GET /${'c'.repeat(50_000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
      Buffer.from('GET /graminsta/..%2f..%2fsecret.txt HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.from('GET /graminsta/../../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.from('GET /..%2fsecret.txt HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.from('GET /graminsta/%E0%A4%A%ED%A0%80 HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.from(
        `POST /graminsta HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: 40\r\n\r\n--zz\r\n${'\u00ff'.repeat(30)}`,
        'latin1',
      ),
      Buffer.from(
        `POST /graminsta HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data\r\nContent-Length: 5\r\n\r\n{{{{{`,
      ),
      Buffer.from(`PUT /graminsta/${'['.repeat(5000)} HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc`),
      Buffer.from(
        `GET /p/1/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nzz\r\n`,
      ),
      Buffer.from([0xc3, 0x28, 0x0d, 0x0a, 0x0d, 0x0a]),
    ];
    const storePid = (await stage.topology()).processes.find((p) => p.name === 'object-store')!.pid;
    for (const base of [cdn, store]) {
      const { hostname, port } = new URL(base);
      for (const bytes of hostile) {
        const answer = await sendRawBytes(hostname, Number(port), bytes);
        expect(answer, `${base} ${bytes.subarray(0, 30).toString('latin1')}`).not.toContain(
          'the-stage-secret',
        );
      }
    }
    expect((await fetch(`${cdn}/healthz`)).status).toBe(200);
    expect((await fetch(`${store}/graminsta?max-keys=0`)).status).toBe(200);
    // Still the same store process: it did not crash and get restarted by the supervisor.
    const after = (await stage.topology()).processes.find((p) => p.name === 'object-store')!;
    expect([after.pid, after.restarts]).toEqual([storePid, 0]);
  }, 120_000);
  it('in Chromium: a photo shared from the web client goes to the object store and shows from the edge', async () => {
    const browser = await launchChromium();
    const p = await openPage(browser, 'stage5-desktop', { width: 1280, height: 900 });
    const posts: string[] = [];
    p.page.on('request', (req) => {
      if (req.method() === 'POST') posts.push(new URL(req.url()).origin);
    });
    try {
      const jpeg = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#2b4c7e' } })
        .jpeg({ quality: 85 })
        .toBuffer();
      const file = join(stage.dataDir, 'harbour.jpg');
      await writeFile(file, jpeg);
      await p.page.goto(`${urls.web}/signup`);
      await p.page.getByLabel('Username').fill('edge_viewer');
      await p.page.getByLabel('Password').fill('correct horse battery');
      await p.page.getByRole('button', { name: 'Sign up' }).click();
      await p.page.getByRole('button', { name: 'Log out' }).waitFor();
      await p.page.getByRole('link', { name: 'New post' }).click();
      await p.page.getByLabel('Choose a photo').setInputFiles(file);
      await p.page.getByLabel('Alt text').fill('A blue rectangle');
      await p.page.getByRole('button', { name: 'Share' }).click();
      await p.page.getByText('Your photo is ready.').waitFor({ timeout: 240_000 });
      // The bytes went to the store, as a form POST from the page.
      expect(posts).toContain(store);
      await p.page.getByRole('link', { name: 'Home' }).click();
      const img = p.page.getByTestId('photo-card').locator('img').first();
      await img.waitFor();
      const src = await img.evaluate(
        (el: HTMLImageElement) =>
          new Promise<string>((resolve, reject) => {
            const done = () =>
              el.naturalWidth > 0 ? resolve(el.currentSrc) : reject(new Error('image failed'));
            if (el.complete) done();
            el.addEventListener('load', done);
            el.addEventListener('error', () => reject(new Error('image failed')));
          }),
      );
      expect(src.startsWith(`${cdn}/p/`)).toBe(true);
      // The browser's fetch filled the edge's cache.
      const again = await fetch(src);
      await again.arrayBuffer();
      expect(again.headers.get('x-cache-status')).toBe('HIT');
      expect(unexpectedPageErrors(p)).toEqual([]);
    } catch (err) {
      await saveFailureArtifacts('stage5', [p], { posts: posts.join('\n') });
      throw err;
    } finally {
      await browser.close();
    }
  }, 420_000);
  // The doctor (issue 14) on this topology, last: the last stops the workers for a while.
  const doctor = (seconds?: number) =>
    runDoctorCli({ DATA_DIR: stage.dataDir, DATABASE_URL: stage.databaseUrl }, seconds);

  it('doctor: under a celebrity rush with no cache it names the database reads and says turn on the cache (stage 6)', async () => {
    expect(
      (
        await api('POST', '/accounts', undefined, {
          username: 'rush_star',
          password: 'a stage five password',
        })
      ).status,
    ).toBe(201);
    let stop = false;
    let served = 0;
    // Crowds of anonymous profile reads, three at a time, one after another, while the doctor samples.
    const crowd = async () => {
      while (!stop) served += (await rush([urls.api], '/api/v1/users/rush_star', 200)).statuses.get(200) ?? 0;
    };
    const load = Promise.all([crowd(), crowd(), crowd()]);
    let result: Awaited<ReturnType<typeof doctor>>;
    try {
      await sleep(1000);
      result = await doctor();
    } finally {
      stop = true;
      await load;
    }
    console.log(`graminsta doctor, stage 5, cache off under a celebrity rush:\n${result.report}`);
    const top = result.diagnosis.findings[0]!;
    expect(served).toBeGreaterThan(0);
    expect(top.kind, result.report).toBe('database-reads');
    expect(top.stage).toBe(6);
    expect(top.remedy).toMatch(/turn on the Redis cache/);
    expect(top.evidence).toMatch(/cache off/);
    expect(result.diagnosis.numbers.database.statements[0]!.statement).toBe('account_by_name');
  }, 180_000);

  /** Shares photos of `jpeg` as `username` through the API and the store; each call one post. */
  const photoSharer = async (username: string, jpeg: Buffer) => {
    const signup = await api('POST', '/accounts', undefined, { username, password: 'a stage five password' });
    expect(signup.status).toBe(201);
    const token = signup.body.token as string;
    const ids: string[] = [];
    const share = async (): Promise<void> => {
      const up = await api('POST', '/uploads', token, { contentType: 'image/jpeg', size: jpeg.length });
      expect(up.status).toBe(201);
      const target = up.body.upload as { url: string; fields: Record<string, string> };
      const form = new FormData();
      for (const [name, value] of Object.entries(target.fields)) form.append(name, value);
      form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }));
      expect((await fetch(target.url, { method: 'POST', body: form })).status).toBeLessThan(300);
      const created = await api('POST', '/photos', token, {
        uploadId: up.body.uploadId,
        caption: `queued ${ids.length}`,
      });
      expect(created.status).toBe(202);
      ids.push(created.body.id as string);
    };
    /** Shares one photo every `everyMs` until the returned stop is called (which waits for the last). */
    const steadily = (everyMs: number) => {
      let stop = false;
      // Settled at once, so a failed share waits for stop() instead of rejecting unhandled meanwhile.
      const running = (async () => {
        while (!stop) {
          await share();
          await sleep(everyMs);
        }
      })().then(
        () => null,
        (err: unknown) => ({ err }),
      );
      return async () => {
        stop = true;
        const failed = await running;
        if (failed) throw failed.err;
      };
    };
    /** Once the workers run: every photo shared becomes ready. */
    const allReady = async () => {
      for (const id of ids)
        await vi.waitFor(
          async () => expect((await api('GET', `/photos/${id}`, token)).body.status).toBe('ready'),
          { timeout: 240_000, interval: 500 },
        );
    };
    return { share, steadily, allReady, ids };
  };

  it('doctor: with the workers running but too slow for the upload rate, it names the queue and says add workers (stage 5)', async () => {
    // A photo whose variants take the worker seconds of CPU (about 3 s here: blurred noise is
    // costly to encode as AVIF), shared twice a second: two workers on two cores fall behind.
    const [w, h] = [1000, 700];
    const jpeg = await sharp(randomBytes(w * h * 3), { raw: { width: w, height: h, channels: 3 } })
      .blur(2)
      .jpeg({ quality: 80 })
      .toBuffer();
    const sharer = await photoSharer('slow_queue', jpeg);
    for (let n = 0; n < 8; n++) await sharer.share();
    const stop = sharer.steadily(500);
    let result: Awaited<ReturnType<typeof doctor>>;
    try {
      // A window of several jobs' time, so it sees the workers start some.
      result = await doctor(10);
    } finally {
      await stop();
    }
    console.log(`graminsta doctor, stage 5, workers too slow for the uploads:\n${result.report}`);
    const top = result.diagnosis.findings[0]!;
    expect(top.kind, result.report).toBe('queue-backlog');
    expect(top.stage).toBe(5);
    expect(top.remedy).toBe('add workers (`graminsta up --workers N`, stage 5)');
    // The workers answer and work: this is a tier too small, not a stopped one.
    expect(top.evidence).not.toMatch(/not answering/);
    const workers = result.diagnosis.numbers.tiers.find((t) => t.group === 'worker')!;
    expect(workers.silent).toEqual([]);
    expect(workers.cpuPercent!, result.report).toBeGreaterThan(25);
    const q = result.diagnosis.numbers.queue;
    expect(q.waitingAfter!, result.report).toBeGreaterThan(q.waitingBefore!);
    await sharer.allReady();
  }, 420_000);

  it('doctor: with the workers stopped while photos keep coming, it names the queue and says restart and add workers (stage 5)', async () => {
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#44608a' } })
      .jpeg()
      .toBuffer();
    const sharer = await photoSharer('queue_filler', jpeg);
    const workers = (await stage.topology()).processes.filter((p) => p.name.startsWith('worker-'));
    expect(workers).toHaveLength(2);
    let result: Awaited<ReturnType<typeof doctor>>;
    for (const w of workers) process.kill(w.pid!, 'SIGSTOP');
    try {
      for (let n = 0; n < 8; n++) await sharer.share();
      // A steady upload rate through the doctor's window, so the queue grows while it looks.
      const stop = sharer.steadily(250);
      try {
        result = await doctor();
      } finally {
        await stop();
      }
    } finally {
      for (const w of workers) process.kill(w.pid!, 'SIGCONT');
    }
    console.log(`graminsta doctor, stage 5, workers stopped under uploads:\n${result.report}`);
    const top = result.diagnosis.findings[0]!;
    expect(top.kind, result.report).toBe('queue-backlog');
    expect(top.stage).toBe(5);
    expect(top.remedy).toMatch(/^the workers answer nothing: restart them; then add workers/);
    expect(top.evidence).toMatch(/not answering: worker-1, worker-2/);
    const q = result.diagnosis.numbers.queue;
    expect(q.waitingAfter!).toBeGreaterThan(q.waitingBefore!);
    // Running again, the workers drain the queue: every photo gets ready.
    await sharer.allReady();
  }, 420_000);
});

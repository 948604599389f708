import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '@graminsta/topology';
import { startServerProcess, type ServerProcess } from '@graminsta/server/testing/server-process';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const WEB_DIST = fileURLToPath(new URL('../dist/', import.meta.url));

/** Builds the client when it is missing or older than its sources (scripts/test.sh does it first). */
export function ensureWebBuild(): void {
  // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  const env = { ...process.env, NODE_ENV: 'production' };
  execFileSync(process.execPath, ['scripts/ensure-web-build.mjs'], { cwd: REPO_ROOT, env, stdio: 'inherit' });
  if (!existsSync(`${WEB_DIST}index.html`)) throw new Error('the web client did not build');
}

export interface Stage3 {
  /** The API tier (api, worker, realtime, storage), e.g. http://localhost:41234. */
  apiUrl: string;
  /** The web tier (web role only): another origin of the same site. */
  webUrl: string;
  api: ServerProcess;
  web: ServerProcess;
  stop(): Promise<void>;
}

/**
 * Stage 3 on loopback: the API and the static client as two processes on two origins. Both are
 * `localhost` on different ports, so they are different origins but the same site, and the
 * API's SameSite=Lax session cookie rides along on the client's credentialed requests.
 * `moreWebOrigins` are other web tiers (nginx) the API also accepts.
 */
export async function startStage3(opts: { moreWebOrigins?: string[] } = {}): Promise<Stage3> {
  const apiPort = await freePort();
  let webPort = await freePort();
  while (webPort === apiPort) webPort = await freePort();
  const apiUrl = `http://localhost:${apiPort}`;
  const webUrl = `http://localhost:${webPort}`;
  const api = await startServerProcess(
    {
      PORT: String(apiPort),
      CORS_ORIGINS: [webUrl, ...(opts.moreWebOrigins ?? [])].join(','),
      PUBLIC_API_URL: apiUrl,
      PUBLIC_WEB_URL: webUrl,
    },
    ['--roles', 'api,worker,realtime,storage'],
  );
  let web: ServerProcess;
  try {
    web = await startServerProcess({ PORT: String(webPort), PUBLIC_API_URL: apiUrl }, ['--roles', 'web']);
  } catch (err) {
    await api.stop();
    throw err;
  }
  return {
    apiUrl,
    webUrl,
    api,
    web,
    async stop() {
      await Promise.all([web.stop(), api.stop()]);
    },
  };
}

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_DIR, HTTP_PORT, RUN_AS_UID } from '../k8s/roles.ts';
import {
  dockerIgnores,
  execForm,
  instructionsOf,
  parseCopy,
  parseDockerfile,
  stageChain,
  type Stage,
} from './dockerfile.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const file = parseDockerfile(read('Dockerfile'));
const ignore = read('.dockerignore');
const final = file.stages.at(-1)!;
const inFinal = (keyword: string) => final.instructions.filter((i) => i.keyword === keyword);
const stageNamed = (name: string | null) => file.stages.find((s) => s.name === name);
const runs = (stage: Stage) => instructionsOf(file, stage).filter((i) => i.keyword === 'RUN');

/** Every workspace folder the root package.json's globs name. */
function workspaces(): string[] {
  const globs = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
  return globs.flatMap((glob) => {
    const parent = glob.replace(/\/\*$/, '');
    return readdirSync(join(ROOT, parent))
      .map((name) => `${parent}/${name}`)
      .filter((dir) => existsSync(join(ROOT, dir, 'package.json')));
  });
}

describe('the Dockerfile', () => {
  it('builds in stages and runs on the Node major the project declares', () => {
    expect(file.stages.length).toBeGreaterThanOrEqual(3);
    const names = file.stages.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    const image = stageChain(file, final).at(-1)!.from;
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    expect(image).toMatch(/^node:(\d+)-\w+-slim$/);
    expect(image.split(':')[1]!.split('-')[0]).toBe(/\d+/.exec(engines)![0]);
  });

  it('installs exactly the lockfile, with every workspace manifest in place first', () => {
    const installs = file.stages
      .flatMap((s) => runs(s))
      .filter((i) => /\bnpm\s+(ci|install|i)\b/.test(i.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const i of installs) expect(i.args, `line ${i.line}`).toMatch(/\bnpm ci\b/);
    for (const stage of file.stages.filter((s) => s.instructions.some((i) => /\bnpm ci\b/.test(i.args)))) {
      const before = instructionsOf(file, stage);
      const ci = before.findIndex((i) => /\bnpm ci\b/.test(i.args));
      const copied = before
        .slice(0, ci)
        .filter((i) => i.keyword === 'COPY')
        .flatMap((i) => parseCopy(i).sources);
      expect(copied).toContain('package-lock.json');
      for (const ws of workspaces()) expect(copied, stage.name ?? '').toContain(`${ws}/package.json`);
    }
  });

  it('ships production dependencies and the built web client in the final image', () => {
    const copies = inFinal('COPY').map(parseCopy);
    const modules = copies.find(
      (c) => c.from && runs(stageNamed(c.from)!).some((r) => /npm ci/.test(r.args)),
    );
    expect(
      runs(stageNamed(modules!.from)!)
        .map((r) => r.args)
        .join('\n'),
    ).toMatch(/npm ci --omit=dev/);
    const web = copies.find((c) => c.sources.includes('/app/apps/web/dist'));
    expect(runs(stageNamed(web!.from)!).map((r) => r.args)).toContain('npm run build:web');
    for (const c of copies) {
      if (c.from) expect(file.stages.indexOf(stageNamed(c.from)!)).toBeLessThan(file.stages.indexOf(final));
    }
  });

  it('runs as a numeric non-root user, the one the Kubernetes pods run as', () => {
    const users = inFinal('USER');
    expect(users.length).toBeGreaterThan(0);
    const last = users.at(-1)!;
    expect(last.args).toMatch(/^\d+(:\d+)?$/);
    const [uid] = last.args.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(uid).toBe(RUN_AS_UID);
    // Nothing after the switch runs as root again.
    expect(
      final.instructions.slice(final.instructions.indexOf(last) + 1).map((i) => i.keyword),
    ).not.toContain('RUN');
  });

  it('starts the graminsta command, roles chosen by flag, on the port Kubernetes probes', () => {
    const [entrypoint] = inFinal('ENTRYPOINT');
    expect(execForm(entrypoint!.args)).toEqual(['node', 'apps/server/bin/graminsta.mjs']);
    expect(existsSync(join(ROOT, 'apps/server/bin/graminsta.mjs'))).toBe(true);
    expect(execForm(inFinal('CMD').at(-1)!.args)).toEqual(['start']);
    expect(inFinal('EXPOSE').map((i) => i.args)).toEqual([String(HTTP_PORT)]);
    const env = inFinal('ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toContain(`PORT=${HTTP_PORT}`);
    expect(env).toContain(`DATA_DIR=${DATA_DIR}`);
    const health = execForm(inFinal('HEALTHCHECK')[0]!.args.replace(/^.*?\bCMD\s+/, ''));
    expect(health?.join(' ')).toContain('/healthz');
  });

  it('bakes in no secret', () => {
    for (const stage of file.stages) {
      for (const i of stage.instructions.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')) {
        expect(i.args, `line ${i.line}`).not.toMatch(
          /SECRET|PASSWORD|TOKEN|DATABASE_URL|REDIS_URL|_KEY\b|CREDENTIAL/i,
        );
        expect(i.args).not.toMatch(/:\/\/[^/\s]*:[^/\s]*@/);
      }
    }
    for (const name of Object.keys(file.globalArgs)) expect(name).not.toMatch(/SECRET|PASSWORD|TOKEN|KEY/i);
  });
});

describe('.dockerignore', () => {
  it('keeps host installs, builds, local data, secrets, history and test output out of the context', () => {
    for (const path of [
      'node_modules/fastify/package.json',
      'apps/server/node_modules/x/index.js',
      'apps/web/dist/index.html',
      'data/pglite/base',
      '.env',
      '.git/HEAD',
      '.test-artifacts/run.log',
      'bench/results/latest.json',
    ]) {
      expect(dockerIgnores(ignore, path), path).toBe(true);
    }
  });

  it('keeps everything the Dockerfile copies from the context', () => {
    const sources = file.stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.keyword === 'COPY' && !parseCopy(i).from)
      .flatMap((i) => parseCopy(i).sources)
      .filter((s) => s !== '.');
    const needed = [...sources, 'packages/core/drizzle/meta/_journal.json', 'apps/web/src/main.tsx'];
    for (const path of needed) {
      expect(dockerIgnores(ignore, path), path).toBe(false);
      expect(existsSync(join(ROOT, path)), path).toBe(true);
    }
  });
});

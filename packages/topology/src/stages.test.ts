import { describe, expect, it } from 'vitest';
import { ROLES } from './roles.ts';
import { DEFAULT_SCALE, STAGES, frontUrls, instanceNames, settingsEnv, stageTopology } from './stages.ts';

describe('the stage topologies', () => {
  it.each(STAGES.map((s) => [s.stage, s] as const))(
    'stage %i runs every role exactly once per copy (storage: until the object store takes over)',
    (_, s) => {
      const served = s.groups.flatMap((g) => g.roles);
      const roles = s.objectStore ? ROLES.filter((r) => r !== 'storage') : ROLES;
      expect([...new Set(served)].sort()).toEqual([...roles].sort());
      expect(served).toHaveLength(roles.length);
    },
  );

  it.each(STAGES.map((s) => [s.stage, s] as const))(
    'stage %i balances groups it has, on distinct fronts',
    (_, s) => {
      const names = s.groups.map((g) => g.name);
      expect(new Set(names).size).toBe(names.length);
      for (const b of s.balancers) {
        expect(names).toContain(b.upstream);
        if (b.storage) expect(names).toContain(b.storage);
        if (b.websocketsUpstream) expect(names).toContain(b.websocketsUpstream);
      }
      const fronts = [
        ...s.balancers.map((b) => b.listen),
        ...s.groups.flatMap((g) => (g.listen === 'free' ? [] : [g.listen])),
      ];
      expect(new Set(fronts).size).toBe(fronts.length);
      // A group behind no balancer and on no front would be unreachable, unless it serves no client.
      for (const g of s.groups.filter((g) => g.listen === 'free')) {
        const balanced = s.balancers.some(
          (b) => b.upstream === g.name || b.storage === g.name || b.websocketsUpstream === g.name,
        );
        expect(balanced || g.roles.every((r) => r === 'worker'), g.name).toBe(true);
      }
    },
  );

  it('names stage 4 instances from the --api and --web counts', () => {
    const [api, web, storage] = stageTopology(4).groups;
    expect(instanceNames(api!, { ...DEFAULT_SCALE, api: 2 })).toEqual(['api-1', 'api-2']);
    expect(instanceNames(web!, DEFAULT_SCALE)).toEqual(['web-1', 'web-2']);
    expect(instanceNames(storage!, { api: 9, web: 9, worker: 9, realtime: 9 })).toEqual([
      'storage-1',
      'storage-2',
    ]);
  });

  it('scales stage 5 workers by --workers, 2 by default, and runs no storage role', () => {
    const s = stageTopology(5);
    const worker = s.groups.find((g) => g.name === 'worker')!;
    expect(worker.roles).toEqual(['worker']);
    expect(instanceNames(worker, DEFAULT_SCALE)).toEqual(['worker-1', 'worker-2']);
    expect(instanceNames(worker, { ...DEFAULT_SCALE, worker: 3 })).toHaveLength(3);
    expect(s.groups.flatMap((g) => g.roles)).not.toContain('storage');
    expect(s.balancers.every((b) => b.storage === undefined)).toBe(true);
  });

  it('gives stage 5 processes the object store and the edge, the web tier only their public addresses', () => {
    const s = stageTopology(5);
    const urls = frontUrls(s, '127.0.0.1', 4000);
    expect(urls).toEqual({
      web: 'http://127.0.0.1:4000',
      api: 'http://127.0.0.1:4001',
      store: 'http://127.0.0.1:4002',
      cdn: 'http://127.0.0.1:4003',
    });
    const at = {
      host: '127.0.0.1',
      urls,
      databaseUrl: 'postgres://db',
      objectStore: { bucket: 'graminsta', accessKeyId: 'id', secretAccessKey: 'secret' },
      purgeUrl: 'http://127.0.0.1:4999',
    };
    const store = {
      S3_ENDPOINT: urls.store,
      S3_PUBLIC_ENDPOINT: urls.store,
      S3_BUCKET: 'graminsta',
      S3_ACCESS_KEY_ID: 'id',
      S3_SECRET_ACCESS_KEY: 'secret',
      CDN_URL: urls.cdn,
      CDN_PURGE_URLS: 'http://127.0.0.1:4999',
    };
    for (const name of ['api', 'worker']) {
      const env = settingsEnv(
        s.groups.find((g) => g.name === name)!,
        at,
      );
      expect(env, name).toMatchObject(store);
      expect(env, name).not.toHaveProperty('PUBLIC_STORAGE_URL');
    }
    const web = settingsEnv(
      s.groups.find((g) => g.name === 'web')!,
      at,
    );
    expect(web).toMatchObject({ S3_PUBLIC_ENDPOINT: urls.store, CDN_URL: urls.cdn });
    expect(Object.keys(web).filter((k) => /KEY|PURGE|S3_ENDPOINT/.test(k))).toEqual([]);
    // Stages without the store offer no such fronts.
    expect(Object.keys(frontUrls(stageTopology(4), '127.0.0.1', 4000))).toEqual(['web', 'api']);
  });

  it('gives each process the settings of its group, from the stage addresses', () => {
    const s = stageTopology(4);
    const urls = frontUrls(s, '127.0.0.1', 4000);
    expect(urls).toEqual({ web: 'http://127.0.0.1:4000', api: 'http://127.0.0.1:4001' });
    const at = { host: '127.0.0.1', urls, databaseUrl: 'postgres://db' };
    expect(settingsEnv(s.groups[0]!, at)).toEqual({
      DATABASE_URL: 'postgres://db',
      PUBLIC_API_URL: urls.api,
      PUBLIC_WEB_URL: urls.web,
      TRUSTED_PROXIES: '127.0.0.1',
      CORS_ORIGINS: urls.web,
      PUBLIC_STORAGE_URL: urls.api,
    });
    // Stage 1 has no database server: an unset address sets nothing.
    const stage1 = stageTopology(1);
    expect(
      settingsEnv(stage1.groups[0]!, { host: '127.0.0.1', urls: frontUrls(stage1, '127.0.0.1', 3000) }),
    ).toEqual({});
  });

  it('runs stage 6 as stage 5 plus Redis, a replica, and the realtime tier behind /ws', () => {
    const [five, six] = [stageTopology(5), stageTopology(6)];
    expect(six.redis).toEqual({ name: 'redis' });
    expect(six.postgres).toEqual({ primary: 'postgres-primary', replica: 'postgres-replica' });
    expect([five.redis, five.postgres]).toEqual([undefined, undefined]);
    const shape = (s: typeof six) => s.groups.map((g) => [g.name, g.roles, g.instances, g.listen]);
    // The API carries no sockets any more: the realtime group does, scaled by --realtime.
    expect(shape(six)).toEqual([
      ['api', ['api'], { scale: 'api' }, 'free'],
      ...shape(five).slice(1),
      ['realtime', ['realtime'], { scale: 'realtime' }, 'free'],
    ]);
    expect(shape(five)[0]).toEqual(['api', ['api', 'realtime'], { scale: 'api' }, 'free']);
    const realtime = six.groups.find((g) => g.name === 'realtime')!;
    expect(instanceNames(realtime, DEFAULT_SCALE)).toEqual(['realtime-1', 'realtime-2']);
    expect(instanceNames(realtime, { ...DEFAULT_SCALE, realtime: 3 })).toHaveLength(3);
    // The API's front sends /ws to the realtime tier; nothing else changes.
    expect(six.balancers).toEqual(
      five.balancers.map((b) => (b.name === 'lb-api' ? { ...b, websocketsUpstream: 'realtime' } : b)),
    );
    expect([six.objectStore, six.edge]).toEqual([five.objectStore, five.edge]);

    const urls = frontUrls(six, '127.0.0.1', 4000);
    const at = {
      host: '127.0.0.1',
      urls,
      databaseUrl: 'postgres://db',
      redisUrl: 'redis://127.0.0.1:4999',
      replicaUrls: ['postgres://replica-1', 'postgres://replica-2'],
    };
    const redis = { REDIS_URL: 'redis://127.0.0.1:4999' };
    const fiveEnv = (name: string) =>
      settingsEnv(
        five.groups.find((f) => f.name === name)!,
        at,
      );
    const env = (name: string) =>
      settingsEnv(
        six.groups.find((g) => g.name === name)!,
        at,
      );
    // Every group gets Redis (the cache, BullMQ and pub/sub resolve from it); only the API reads
    // from the replicas: workers write, and realtime processes stay on the primary.
    expect(env('api')).toEqual({
      ...fiveEnv('api'),
      ...redis,
      DATABASE_REPLICA_URLS: 'postgres://replica-1,postgres://replica-2',
    });
    expect(env('worker')).toEqual({ ...fiveEnv('worker'), ...redis });
    expect(env('web')).toEqual({ ...fiveEnv('web'), ...redis });
    expect(env('realtime')).toEqual({ ...fiveEnv('api'), ...redis });
    // No replica (stages 1–5, or an operator's database without one): no setting at all.
    expect(settingsEnv(six.groups[0]!, { ...at, replicaUrls: [] })).not.toHaveProperty(
      'DATABASE_REPLICA_URLS',
    );
    // Redis is no front: browsers never reach it.
    expect(Object.keys(urls).sort()).toEqual(['api', 'cdn', 'store', 'web']);
  });

  it('keeps stages 1 to 5 as they were: /ws on the API tier, no replica, no realtime group', () => {
    for (const s of STAGES.filter((s) => s.stage < 6)) {
      expect(
        s.groups.map((g) => g.name),
        String(s.stage),
      ).not.toContain('realtime');
      expect(s.balancers.every((b) => b.websocketsUpstream === undefined)).toBe(true);
      expect(s.postgres).toBeUndefined();
      for (const g of s.groups) expect(g.settings).not.toContain('DATABASE_REPLICA_URLS');
    }
  });

  it('refuses a stage that does not exist yet', () => {
    expect(() => stageTopology(7)).toThrow('stage 7 is not available yet (1–6)');
  });
});

import { describe, expect, it } from 'vitest';
import { ROLES } from './roles.ts';
import { DEFAULT_SCALE, STAGES, frontUrls, instanceNames, settingsEnv, stageTopology } from './stages.ts';

describe('the stage topologies', () => {
  it.each(STAGES.map((s) => [s.stage, s] as const))(
    'stage %i runs every role exactly once per copy',
    (_, s) => {
      const served = s.groups.flatMap((g) => g.roles);
      expect([...new Set(served)].sort()).toEqual([...ROLES].sort());
      expect(served).toHaveLength(ROLES.length);
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
      }
      const fronts = [
        ...s.balancers.map((b) => b.listen),
        ...s.groups.flatMap((g) => (g.listen === 'free' ? [] : [g.listen])),
      ];
      expect(new Set(fronts).size).toBe(fronts.length);
      // A group behind no balancer and on no front would be unreachable, unless it serves no client.
      for (const g of s.groups.filter((g) => g.listen === 'free')) {
        const balanced = s.balancers.some((b) => b.upstream === g.name || b.storage === g.name);
        expect(balanced || g.roles.every((r) => r === 'worker'), g.name).toBe(true);
      }
    },
  );

  it('names stage 4 instances from the --api and --web counts', () => {
    const [api, web, storage] = stageTopology(4).groups;
    expect(instanceNames(api!, { api: 2, web: 1 })).toEqual(['api-1', 'api-2']);
    expect(instanceNames(web!, DEFAULT_SCALE)).toEqual(['web-1', 'web-2']);
    expect(instanceNames(storage!, { api: 9, web: 9 })).toEqual(['storage-1', 'storage-2']);
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

  it('refuses a stage that does not exist yet', () => {
    expect(() => stageTopology(5)).toThrow('stage 5 is not available yet (1–4)');
  });
});

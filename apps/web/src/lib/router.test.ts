import { describe, expect, it } from 'vitest';
import { matchPath } from './router.tsx';

describe('matchPath', () => {
  it('matches static segments and decodes params', () => {
    expect(matchPath('/u/:username', '/u/ann.b')).toEqual({ username: 'ann.b' });
    expect(matchPath('/tags/:tag', '/tags/caf%C3%A9')).toEqual({ tag: 'café' });
    expect(matchPath('/', '/')).toEqual({});
    expect(matchPath('/u/:username/followers', '/u/ann/followers/')).toEqual({ username: 'ann' });
  });

  it('does not match other shapes or broken encodings', () => {
    expect(matchPath('/u/:username', '/u/ann/followers')).toBeNull();
    expect(matchPath('/p/:id', '/u/1')).toBeNull();
    expect(matchPath('/tags/:tag', '/tags/%E0%A4%A')).toBeNull();
  });
});

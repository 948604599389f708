// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { THEME_COLORS } from './theme-colors.ts';
import { THEME_KEY, applyTheme, readThemeChoice, setThemeChoice } from './theme.ts';

const metas = () =>
  [...document.querySelectorAll<HTMLMetaElement>('meta[name="theme-color"]')].map((m) => m.content);

beforeEach(() => {
  window.localStorage.clear();
  document.head.innerHTML =
    `<meta name="theme-color" media="(prefers-color-scheme: light)" content="${THEME_COLORS.light}">` +
    `<meta name="theme-color" media="(prefers-color-scheme: dark)" content="${THEME_COLORS.dark}">`;
});
afterEach(() => applyTheme('system'));

describe('the theme choice', () => {
  it('follows the device until a theme is chosen, and remembers the choice on this device', () => {
    expect(readThemeChoice()).toBe('system');
    setThemeChoice('dark');
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(metas()).toEqual([THEME_COLORS.dark, THEME_COLORS.dark]);
    expect(window.localStorage.getItem(THEME_KEY)).toBe('dark');
    expect(readThemeChoice()).toBe('dark');

    setThemeChoice('light');
    expect(document.documentElement.dataset.theme).toBe('light');
    expect(metas()).toEqual([THEME_COLORS.light, THEME_COLORS.light]);

    setThemeChoice('system');
    expect(document.documentElement.dataset.theme).toBeUndefined();
    expect(metas()).toEqual([THEME_COLORS.light, THEME_COLORS.dark]);
    expect(window.localStorage.getItem(THEME_KEY)).toBeNull();
  });

  it('ignores a stored value it does not know', () => {
    window.localStorage.setItem(THEME_KEY, '"><script>');
    expect(readThemeChoice()).toBe('system');
  });
});

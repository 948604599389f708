import { useCallback, useSyncExternalStore } from 'react';
import { THEME_COLORS } from './theme-colors.ts';

/** `system` follows the device (prefers-color-scheme); the others hold whatever the device says. */
export type ThemeChoice = 'system' | 'light' | 'dark';
export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];

// A preference, not a secret: localStorage is the right place for it.
export const THEME_KEY = 'graminsta.theme';

const isChoice = (value: unknown): value is ThemeChoice => THEME_CHOICES.includes(value as ThemeChoice);

export function readThemeChoice(): ThemeChoice {
  try {
    const saved = window.localStorage.getItem(THEME_KEY);
    return isChoice(saved) ? saved : 'system';
  } catch {
    return 'system'; // storage blocked
  }
}

/**
 * Puts the choice on <html> (styles.css reads `data-theme`; without it, `color-scheme: light
 * dark` lets the device decide) and on the browser's bar colour.
 */
export function applyTheme(choice: ThemeChoice, doc: Document = document): void {
  const root = doc.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
  for (const meta of doc.querySelectorAll<HTMLMetaElement>('meta[name="theme-color"]')) {
    const forScheme = /dark/.test(meta.getAttribute('media') ?? '') ? 'dark' : 'light';
    meta.content = THEME_COLORS[choice === 'system' ? forScheme : choice];
  }
}

const listeners = new Set<() => void>();
let current: ThemeChoice | null = null;

export function setThemeChoice(choice: ThemeChoice): void {
  current = choice;
  try {
    if (choice === 'system') window.localStorage.removeItem(THEME_KEY);
    else window.localStorage.setItem(THEME_KEY, choice);
  } catch {
    // storage blocked: the choice holds for this page only
  }
  applyTheme(choice);
  for (const listener of listeners) listener();
}

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};
const snapshot = () => (current ??= readThemeChoice());

/** The theme switch's state: the saved choice, and a setter that applies and remembers it. */
export function useThemeChoice(): [ThemeChoice, (choice: ThemeChoice) => void] {
  const choice = useSyncExternalStore(subscribe, snapshot, () => 'system' as ThemeChoice);
  return [choice, useCallback((c: ThemeChoice) => setThemeChoice(c), [])];
}

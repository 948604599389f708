import { useCallback, useSyncExternalStore } from 'react';

/** Chromium's event (not in the DOM typings): the browser's install dialog, kept for later. */
interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>;
  userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>;
}

let deferred: BeforeInstallPromptEvent | null = null;
const listeners = new Set<() => void>();
const changed = () => {
  for (const listener of listeners) listener();
};

/**
 * Keeps the browser's install offer for our own button instead of its mini-infobar. Called once
 * at start-up: the event may come before any component that shows the button is drawn.
 */
export function listenForInstallPrompt(target: Window = window): void {
  target.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault();
    deferred = event as BeforeInstallPromptEvent;
    changed();
  });
  target.addEventListener('appinstalled', () => {
    deferred = null;
    changed();
  });
}

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

/** Whether the browser offers to install the app now, and the call that asks it to. */
export function useInstallPrompt(): { canInstall: boolean; install(): Promise<void> } {
  const canInstall = useSyncExternalStore(
    subscribe,
    () => deferred !== null,
    () => false,
  );
  const install = useCallback(async () => {
    const event = deferred;
    if (!event) return;
    // An offer can be shown once: whatever the answer, the button goes.
    deferred = null;
    changed();
    await event.prompt();
    await event.userChoice;
  }, []);
  return { canInstall, install };
}

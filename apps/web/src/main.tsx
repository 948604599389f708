/// <reference types="vite/client" />
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { listenForInstallPrompt } from './lib/install-prompt.ts';
import { applyTheme, readThemeChoice } from './lib/theme.ts';
import './styles.css';

// Before the first render, so a chosen dark theme never flashes light.
applyTheme(readThemeChoice());
listenForInstallPrompt();

// The service worker exists in builds only (the dev server serves none); it is at the root so
// its scope is the whole site.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch((err: unknown) => {
      console.warn('service worker not registered', err);
    });
  });
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

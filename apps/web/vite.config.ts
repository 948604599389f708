import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';
import { THEME_COLORS } from './src/lib/theme-colors.ts';

// The dev server forwards the API and the socket to a local `graminsta start` (port 3000).
const api = process.env.GRAMINSTA_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [
    react(),
    // The web app manifest and the service worker (src/sw.ts, our own routes on Workbox's
    // modules); main.tsx registers it, so no inline script is needed under the page's CSP.
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: false,
      manifest: {
        id: '/',
        name: 'Graminsta',
        short_name: 'Graminsta',
        description: 'Share photos with the people you follow.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        lang: 'en',
        theme_color: THEME_COLORS.light,
        background_color: THEME_COLORS.light,
        categories: ['photo', 'social'],
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/maskable-192.png', sizes: '192x192', type: 'image/png', purpose: 'maskable' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      injectManifest: {
        // A classic script: every browser that has service workers can run it.
        rollupFormat: 'iife',
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
      },
    }),
  ],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/api': api,
      '/storage': api,
      '/config.js': api,
      '/ws': { target: api.replace(/^http/, 'ws'), ws: true },
    },
  },
});

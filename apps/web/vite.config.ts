import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The dev server forwards the API and the socket to a local `graminsta start` (port 3000).
const api = process.env.GRAMINSTA_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
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

/**
 * Builds the operator console into web/dist. The control plane serves it under /console/ with a
 * same-origin CSP, so everything is bundled: no CDN, no external fonts, no inline scripts.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The preload polyfill would be the only script not in a file of ours; modern Chromium needs none.
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
});
